import assert from 'node:assert/strict';
import { child, consentMatrix } from '../testing/consent-matrix.js';
import { reddit } from './index.js';

consentMatrix(reddit, {
  ldu(event, known) {
    assert.deepEqual(
      child(event, 'user').data_processing_options,
      known ? { modes: ['LDU'], country: 'US', region: 'US-CA' } : { modes: ['LDU'] },
    );
  },
  measurementOnly(event) {
    assert.equal(child(event, 'user').data_processing_options, undefined);
  },
  granted(event) {
    assert.equal(child(event, 'user').data_processing_options, undefined);
  },
});
