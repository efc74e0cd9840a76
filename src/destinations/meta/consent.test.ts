import assert from 'node:assert/strict';
import { consentMatrix } from '../testing/consent-matrix.js';
import { meta } from './index.js';

consentMatrix(meta, {
  ldu(event, known) {
    assert.deepEqual(event.data_processing_options, ['LDU']);
    assert.equal(event.data_processing_options_country, known ? 1 : 0);
    assert.equal(event.data_processing_options_state, known ? 1000 : 0);
  },
  measurementOnly(event) {
    assert.equal(event.data_processing_options, undefined);
  },
  granted(event) {
    assert.equal(event.data_processing_options, undefined);
    assert.equal(event.opt_out, undefined);
  },
});
