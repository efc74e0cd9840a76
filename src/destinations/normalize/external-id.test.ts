import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeExternalId } from './external-id.js';

describe('normalizeExternalId', () => {
  it('trims and keeps case, so it hashes like the pixel sends it', () => {
    assert.equal(normalizeExternalId('  Cust-ABC-42 '), 'Cust-ABC-42');
    assert.equal(normalizeExternalId('testuserId1'), 'testuserId1');
  });
  it('omits empty ids', () => {
    assert.equal(normalizeExternalId('   '), undefined);
  });
});
