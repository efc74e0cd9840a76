import { consentMatrix, OPT_OUT_FLAG } from '../testing/consent-matrix.js';
import { snapchat } from './index.js';

// Limited data use and refused personalised ads both set the event's opt_out.
consentMatrix(snapchat, OPT_OUT_FLAG);
