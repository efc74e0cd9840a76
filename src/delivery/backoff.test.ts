import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, parseRetryAfter } from './backoff.js';

test('full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]', () => {
  const options = { baseMs: 10_000, capMs: 600_000 };
  assert.equal(
    backoffDelay(1, options, () => 0.999999),
    9_999,
  );
  assert.equal(
    backoffDelay(3, options, () => 0.5),
    20_000,
  );
  assert.equal(
    backoffDelay(20, options, () => 0.5),
    300_000,
  );
  assert.equal(
    backoffDelay(7, options, () => 0),
    0,
  );
  for (let attempt = 1; attempt < 12; attempt += 1) {
    const delay = backoffDelay(attempt, options);
    assert.ok(delay >= 0 && delay <= Math.min(600_000, 10_000 * 2 ** (attempt - 1)));
  }
});

test('Retry-After in seconds or as an HTTP date', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter('Sun, 29 Nov 2026 12:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Sun, 29 Nov 2026 11:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});
