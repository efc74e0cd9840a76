import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EcbFormatError, parseEcbXml } from './ecb.js';
import { SHIPPED_RATES } from './shipped-rates.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('the daily file: its date and every currency, digits as published', () => {
  const days = parseEcbXml(fixture('eurofxref-daily.xml'));
  assert.equal(days.length, 1);
  assert.equal(days[0]!.date, '2026-03-13');
  assert.equal(Object.keys(days[0]!.rates).length, 29);
  assert.equal(days[0]!.rates.USD, '1.1476');
  assert.equal(days[0]!.rates.ISK, '144.20');
  assert.equal(days[0]!.rates.IDR, '19395.07');
});

test('the shipped table is exactly the daily file it names', () => {
  const [day] = parseEcbXml(fixture('eurofxref-daily.xml'));
  assert.equal(day!.date, SHIPPED_RATES.date);
  assert.deepEqual(day!.rates, SHIPPED_RATES.rates);
});

test('several days with double-quoted attributes on one line (the -hist files)', () => {
  const days = parseEcbXml(fixture('eurofxref-hist-2days.xml'));
  assert.deepEqual(
    days.map((d) => d.date),
    ['2024-01-04', '2018-09-12'],
  );
  assert.equal(days[0]!.rates.BGN, '1.9558');
  assert.deepEqual(days[1]!.rates, { USD: '1.1585', GBP: '0.89028' });
});

test('anything that is not a reference-rate document is refused', () => {
  const bad = [
    '<html><body>Service unavailable</body></html>',
    '',
    "<gesmes:Envelope><Cube><Cube time='2026-02-30'><Cube currency='USD' rate='1.1'/></Cube></Cube></gesmes:Envelope>",
    "<gesmes:Envelope><Cube><Cube time='2026-03-13'><Cube currency='USD' rate='1,1476'/></Cube></Cube></gesmes:Envelope>",
    "<gesmes:Envelope><Cube><Cube time='2026-03-13'><Cube currency='usd' rate='1.1'/></Cube></Cube></gesmes:Envelope>",
    "<gesmes:Envelope><Cube><Cube time='2026-03-13'></Cube></Cube></gesmes:Envelope>",
  ];
  for (const xml of bad) assert.throws(() => parseEcbXml(xml), EcbFormatError, xml);
});
