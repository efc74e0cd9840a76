import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monthPeriod } from '../storage/repos/usage.js';
import { dayOf } from './clock.js';

// dayOf and monthPeriod remember the last day and month they computed (they run on every ingest request):
// the answer must still be the one of the time asked for, in any order, at the edges.
test('dayOf answers the UTC day of each time asked, around midnight and in any order', () => {
  const midnight = Date.UTC(2026, 11, 7);
  const cases: [number, string][] = [
    [midnight - 1, '2026-12-06'],
    [midnight, '2026-12-07'],
    [midnight + 86_399_999, '2026-12-07'],
    [midnight + 86_400_000, '2026-12-08'],
    [midnight - 1, '2026-12-06'],
    [Date.UTC(2024, 1, 29, 12), '2024-02-29'],
    [0, '1970-01-01'],
    [-1, '1969-12-31'],
    [midnight, '2026-12-07'],
  ];
  for (const [ms, day] of cases) assert.equal(dayOf(ms), day, new Date(ms).toISOString());
  for (let i = 0; i < 2000; i += 1) {
    const ms = Math.floor(Math.random() * 4_000_000_000_000);
    assert.equal(dayOf(ms), new Date(ms).toISOString().slice(0, 10));
  }
});

test('monthPeriod answers the calendar month of each time asked, around its edges and in any order', () => {
  const dec = Date.UTC(2026, 11, 1);
  const jan = Date.UTC(2027, 0, 1);
  const expectDec = { start: dec, end: jan, startDay: '2026-12-01', endDay: '2027-01-01' };
  assert.deepEqual({ ...monthPeriod(dec) }, expectDec);
  assert.deepEqual({ ...monthPeriod(jan - 1) }, expectDec);
  assert.deepEqual(
    { ...monthPeriod(jan) },
    { start: jan, end: Date.UTC(2027, 1, 1), startDay: '2027-01-01', endDay: '2027-02-01' },
  );
  assert.deepEqual(
    { ...monthPeriod(dec - 1) },
    {
      start: Date.UTC(2026, 10, 1),
      end: dec,
      startDay: '2026-11-01',
      endDay: '2026-12-01',
    },
  );
  assert.deepEqual({ ...monthPeriod(dec + 5) }, expectDec);
  assert.ok(Object.isFrozen(monthPeriod(dec)), 'a shared answer cannot be changed by a caller');
});
