import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../errors.js';
import { decodeEventCursor, encodeEventCursor, parseTimeBound } from './query.js';

test('a date is a whole UTC day; a date-time needs its offset', () => {
  assert.equal(parseTimeBound('2026-04-01', 'from'), Date.parse('2026-04-01T00:00:00Z'));
  assert.equal(parseTimeBound('2026-04-01', 'to'), Date.parse('2026-04-02T00:00:00Z'));
  assert.equal(parseTimeBound('2026-04-01T10:00:00+02:00', 'to'), Date.parse('2026-04-01T08:00:00Z'));
  for (const bad of ['2026-02-30', '2026-04-01T10:00:00', 'yesterday', '1712000000']) {
    assert.throws(() => parseTimeBound(bad, 'from'), ApiError, bad);
  }
});

test('cursors round-trip; anything else is validation_failed', () => {
  const cursor = { receivedAt: 1_775_000_000_123, id: 'evt_0mabc123def' };
  assert.deepEqual(decodeEventCursor(encodeEventCursor(cursor)), cursor);
  for (const bad of ['', 'abc', Buffer.from('[1,"dom_x"]').toString('base64url')]) {
    assert.throws(
      () => decodeEventCursor(bad),
      (e: unknown) => e instanceof ApiError && e.code === 'validation_failed',
    );
  }
});
