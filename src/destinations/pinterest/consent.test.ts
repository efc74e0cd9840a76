import { consentMatrix, OPT_OUT_FLAG } from '../testing/consent-matrix.js';
import { pinterest } from './index.js';

// Limited data use and refused personalised ads both set the event's opt_out.
consentMatrix(pinterest, OPT_OUT_FLAG);
