import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_ATTEMPTS, retryDelay } from './schedule.js';

test('the retry schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then no more', () => {
  const exact = (): number => 0.5;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7].map((n) => retryDelay(n, exact)),
    [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
  );
  assert.equal(retryDelay(8, exact), null);
  assert.equal(MAX_ATTEMPTS, 8);
});

test('jitter spreads a delay by at most 10 % either way', () => {
  assert.equal(
    retryDelay(1, () => 0),
    4_500,
  );
  assert.equal(
    retryDelay(1, () => 0.999999),
    5_500,
  );
  assert.equal(
    retryDelay(2, () => 0),
    270_000,
  );
});
