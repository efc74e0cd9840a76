/**
 * FX_RATES_FETCH / FX_RATES_URL (issue 14 §4): every API node used to call the ECB website after it started
 * listening, with no way to turn that off. Off, a listening node makes no outbound request; on, it fetches
 * from FX_RATES_URL (a mirror inside a closed network).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { eventually, startTestService } from '../harness.js';

const daily = readFileSync(
  new URL('../../src/public-api/fx/fixtures/eurofxref-daily.xml', import.meta.url),
  'utf8',
).replace("time='2026-03-13'", "time='2026-11-27'");

test('FX_RATES_FETCH=false: a listening API node never fetches the rates; on, it fetches FX_RATES_URL', async () => {
  const hits: string[] = [];
  const mirror = createServer((request, response) => {
    hits.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'application/xml' }).end(daily);
  });
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
  const off = await startTestService({
    role: 'api',
    listen: true,
    env: { FX_RATES_FETCH: 'false', FX_RATES_URL: `${base}/off.xml` },
  });
  const on = await startTestService({
    role: 'api',
    listen: true,
    env: { FX_RATES_URL: `${base}/on.xml` },
  });
  try {
    // The first run comes a few seconds after listening; both nodes have listened as long by then.
    await eventually(async () => hits.includes('/on.xml'), 15_000);
    assert.deepEqual(
      hits.filter((path) => path !== '/on.xml'),
      [],
      'the node with FX_RATES_FETCH=false made no request',
    );
    // The request reaches the mirror before the node has parsed and stored its answer: wait for the row.
    const storedDay = async () =>
      (await on.storage.db.selectFrom('fx_rates').select('date').execute()).some(
        (row) => row.date === '2026-11-27',
      );
    await eventually(storedDay, 15_000);
    assert.ok(await storedDay(), 'the mirror’s day was stored');
  } finally {
    await off.destroy();
    await on.destroy();
    mirror.close();
  }
});

test('FX_RATES_URL must be an http(s) URL; the default is the ECB’s daily file', () => {
  assert.equal(
    loadConfig({ DATA_DIR: '/tmp/tagbridge-fx-config' }).fxRates.url,
    'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml',
  );
  assert.throws(() =>
    loadConfig({ DATA_DIR: '/tmp/tagbridge-fx-config', FX_RATES_URL: 'file:///etc/passwd' }),
  );
});
