import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketStart, bucketsOf, defaultRange, nextBucket } from './stats.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

test('buckets are UTC hours, days, ISO weeks from Monday and calendar months', () => {
  const t = at('2026-04-15T13:47:12.345Z'); // a Wednesday
  assert.equal(iso(bucketStart(t, 'hour')), '2026-04-15T13:00:00.000Z');
  assert.equal(iso(bucketStart(t, 'day')), '2026-04-15T00:00:00.000Z');
  assert.equal(iso(bucketStart(t, 'week')), '2026-04-13T00:00:00.000Z');
  assert.equal(iso(bucketStart(t, 'month')), '2026-04-01T00:00:00.000Z');
  assert.equal(iso(bucketStart(at('2026-04-13T00:00:00Z'), 'week')), '2026-04-13T00:00:00.000Z');
  assert.equal(iso(bucketStart(at('2026-04-19T23:59:59Z'), 'week')), '2026-04-13T00:00:00.000Z');
  assert.equal(iso(nextBucket(at('2026-01-01T00:00:00Z'), 'month')), '2026-02-01T00:00:00.000Z');
  assert.equal(iso(nextBucket(at('2026-12-01T00:00:00Z'), 'month')), '2027-01-01T00:00:00.000Z');
});

test('the buckets covering a range: the first may start before it, none at or after its end', () => {
  const days = bucketsOf(at('2026-04-01T00:00:00Z'), at('2026-04-04T00:00:00Z'), 'day').map(iso);
  assert.deepEqual(days, [
    '2026-04-01T00:00:00.000Z',
    '2026-04-02T00:00:00.000Z',
    '2026-04-03T00:00:00.000Z',
  ]);
  const months = bucketsOf(at('2026-01-15T00:00:00Z'), at('2026-03-02T00:00:00Z'), 'month').map(iso);
  assert.deepEqual(months, [
    '2026-01-01T00:00:00.000Z',
    '2026-02-01T00:00:00.000Z',
    '2026-03-01T00:00:00.000Z',
  ]);
  assert.equal(bucketsOf(at('2026-04-01T00:00:00Z'), at('2026-04-08T00:00:00Z'), 'hour').length, 168);
});

test('the default range: the last 30 days (current one included), or up to a given end', () => {
  const now = at('2026-04-15T13:47:00Z');
  const days = defaultRange(now, 'day', {});
  assert.equal(iso(days.from), '2026-03-17T00:00:00.000Z');
  assert.equal(iso(days.to), '2026-04-16T00:00:00.000Z');
  const months = defaultRange(now, 'month', { to: at('2026-04-01T00:00:00Z') });
  assert.equal(iso(months.from), '2025-04-01T00:00:00.000Z');
  assert.equal(defaultRange(now, 'hour', { from: 5, to: 10 }).from, 5);
});
