import assert from 'node:assert/strict';
import { consentMatrix } from '../testing/consent-matrix.js';
import { tiktok } from './index.js';

consentMatrix(tiktok, {
  ldu(event) {
    assert.equal(event.limited_data_use, true);
  },
  measurementOnly(event) {
    assert.equal(event.limited_data_use, undefined);
  },
  granted(event) {
    assert.equal(event.limited_data_use, undefined);
  },
});
