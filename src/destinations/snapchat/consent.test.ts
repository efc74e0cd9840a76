import assert from 'node:assert/strict';
import { consentMatrix } from '../testing/consent-matrix.js';
import { snapchat } from './index.js';

consentMatrix(snapchat, {
  ldu(event) {
    assert.equal(event.opt_out, true);
  },
  measurementOnly(event) {
    assert.equal(event.opt_out, true);
  },
  granted(event) {
    assert.equal(event.opt_out, undefined);
  },
});
