import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateTable } from './rates.js';

const table = RateTable.fromRows([
  { date: '2026-04-01', currency: 'USD', rate: '1.25' },
  { date: '2026-04-01', currency: 'GBP', rate: '0.80' },
  { date: '2026-04-03', currency: 'USD', rate: '1.10' },
]);

test('a day uses the latest publication on or before it, per currency', () => {
  assert.deepEqual(table.rate('USD', '2026-04-02'), { rate: 1.25, date: '2026-04-01' });
  assert.deepEqual(table.rate('USD', '2026-04-05'), { rate: 1.1, date: '2026-04-03' });
  // GBP was not quoted on 04-03: the 04-01 rate still holds.
  assert.deepEqual(table.rate('GBP', '2026-04-05'), { rate: 0.8, date: '2026-04-01' });
});

test('a day before the oldest publication uses the oldest; EUR is 1; unknown is undefined', () => {
  assert.deepEqual(table.rate('USD', '2020-01-01'), { rate: 1.25, date: '2026-04-01' });
  assert.deepEqual(table.rate('EUR', '2026-04-02'), { rate: 1, date: null });
  assert.equal(table.rate('XYZ', '2026-04-02'), undefined);
  assert.equal(table.latestDate, '2026-04-03');
});

test('conversion goes through the euro', () => {
  assert.equal(table.convert(125, 'USD', 'EUR', '2026-04-02'), 100);
  assert.equal(table.convert(100, 'EUR', 'GBP', '2026-04-02'), 80);
  assert.equal(table.convert(125, 'USD', 'GBP', '2026-04-02'), 80);
  assert.equal(table.convert(10, 'USD', 'USD', '2026-04-02'), 10);
  assert.equal(table.convert(10, 'XYZ', 'EUR', '2026-04-02'), undefined);
});
