import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBytesPooled, randomHexPooled } from './random.js';

test('pooled random values are distinct copies, across pool refills', () => {
  const seen = new Set<string>();
  const kept = randomBytesPooled(16);
  const snapshot = kept.toString('hex');
  for (let i = 0; i < 3000; i += 1) seen.add(randomBytesPooled(12).toString('hex'));
  assert.equal(seen.size, 3000);
  assert.equal(kept.toString('hex'), snapshot, 'a returned value never changes after a refill');
  assert.throws(() => randomBytesPooled(10_000));
});

test('pooled hex values are fresh bytes, distinct across pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 3000; i += 1) {
    const hex = randomHexPooled(10);
    assert.match(hex, /^[0-9a-f]{20}$/);
    seen.add(hex);
  }
  assert.equal(seen.size, 3000);
  // Hex and byte draws share the pool without handing out the same bytes twice.
  const bytes = randomBytesPooled(10).toString('hex');
  assert.ok(!seen.has(bytes));
  assert.throws(() => randomHexPooled(10_000));
});
