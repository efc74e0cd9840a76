import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { DEDUP_KEY_BYTES, dedupKey } from './dedup-key.js';

test('a dedup key: 16 bytes of SHA-256 over the three parts, each ended by a NUL', () => {
  const key = dedupKey('dom_a', 'Purchase', 'order-1');
  assert.equal(key.length, DEDUP_KEY_BYTES);
  const full = createHash('sha256').update('dom_a\0Purchase\0order-1\0', 'utf8').digest();
  assert.deepEqual(key, full.subarray(0, 16));
  // Where one part ends and the next begins is part of the key.
  assert.notDeepEqual(dedupKey('dom_a', 'Purchase', 'order-1'), dedupKey('dom_a', 'Purchas', 'eorder-1'));
  assert.notDeepEqual(dedupKey('dom_a', 'Purchase', 'order-1'), dedupKey('dom_b', 'Purchase', 'order-1'));
  // UTF-8, as PostgreSQL's convert_to(…, 'UTF8') in migration 0015.
  assert.deepEqual(
    dedupKey('dom_a', 'Purchase', 'bestellung-ü'),
    createHash('sha256')
      .update(Buffer.from('dom_a\0Purchase\0bestellung-ü\0', 'utf8'))
      .digest()
      .subarray(0, 16),
  );
});
