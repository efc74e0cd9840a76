/**
 * The ECB refresh: a fetched daily file is stored and used by the stats; when the network fails, the
 * failure is logged and the shipped table keeps serving. The fetch is injected: tests never go online.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { systemClock } from '../../src/lib/clock.js';
import { FxRates } from '../../src/public-api/fx/rates.js';
import { EcbRefreshSchedule, refreshEcbRates } from '../../src/public-api/fx/refresh.js';
import { SHIPPED_RATES } from '../../src/public-api/fx/shipped-rates.js';
import { allFxRates } from '../../src/storage/repos/fx-rates.js';
import { createTenant, eventually, startTestService, type TestService } from '../harness.js';
import { apiEvent, bearer, createKey } from './helpers.js';

const daily = readFileSync(
  new URL('../../src/public-api/fx/fixtures/eurofxref-daily.xml', import.meta.url),
  'utf8',
);
const later = daily
  .replace("time='2026-03-13'", "time='2026-11-27'")
  .replace("rate='1.1476'", "rate='1.2000'");

function capturingLog(): { log: FastifyBaseLogger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  ) as unknown as FastifyBaseLogger;
  return { log, lines };
}

describe('ECB reference rates refresh', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ role: 'api' });
  });
  after(() => service.destroy());

  test('no network: the failure is logged, the shipped table stays', async () => {
    const { db } = service.storage;
    const fx = new FxRates(db, systemClock);
    await fx.table();
    const { log, lines } = capturingLog();
    const result = await refreshEcbRates({ db, clock: systemClock, fx, log }, async () => {
      throw new Error('getaddrinfo ENOTFOUND www.ecb.europa.eu');
    });
    assert.deepEqual(result, { ok: false, error: 'getaddrinfo ENOTFOUND www.ecb.europa.eu' });
    assert.ok(lines.some((l) => l.level === 40 && String(l.msg).includes('could not be refreshed')));
    const html = await refreshEcbRates(
      { db, clock: systemClock, fx, log },
      async () => '<html>maintenance</html>',
    );
    assert.equal(html.ok, false);
    const table = await fx.table();
    assert.equal(table.latestDate, SHIPPED_RATES.date);
    assert.deepEqual(table.rate('USD', '2026-11-01'), { rate: 1.1476, date: '2026-03-13' });
  });

  test('a fetched daily file is stored and the stats use it', async () => {
    const { db } = service.storage;
    const fx = new FxRates(db, systemClock);
    const { log } = capturingLog();
    let asked = '';
    const result = await refreshEcbRates({ db, clock: systemClock, fx, log }, async (url) => {
      asked = url;
      return later;
    });
    assert.equal(asked, 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml');
    assert.deepEqual(result, { ok: true, date: '2026-11-27', currencies: 29 });
    const rows = await allFxRates(db);
    assert.ok(rows.some((r) => r.date === '2026-11-27' && r.currency === 'USD' && r.rate === '1.2000'));
    assert.ok(
      rows.some((r) => r.date === SHIPPED_RATES.date),
      'history is kept',
    );

    const tenant = await createTenant(service);
    const { key } = await createKey(service, tenant.org.id);
    await service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: bearer(key),
      payload: apiEvent({ customData: { value: 120, currency: 'USD' } }),
    });
    const stats = await service.app!.inject({
      method: 'GET',
      url: '/api/v1/stats?currency=EUR',
      headers: bearer(key),
    });
    assert.equal(stats.json().ratesDate, '2026-11-27');
    assert.equal(stats.json().totals.revenue, 100);
  });

  test('the schedule runs the refresh after its delay and stops cleanly', async () => {
    const { db } = service.storage;
    const fx = new FxRates(db, systemClock);
    const { log } = capturingLog();
    let calls = 0;
    const schedule = new EcbRefreshSchedule({ db, clock: systemClock, fx, log }, async () => {
      calls += 1;
      return later;
    });
    schedule.start(10);
    await eventually(async () => calls === 1);
    await schedule.stop();
  });

  test('stopping aborts a fetch that hangs (an unreachable ECB must not hold shutdown)', async () => {
    const { db } = service.storage;
    const fx = new FxRates(db, systemClock);
    const { log, lines } = capturingLog();
    let started = false;
    const schedule = new EcbRefreshSchedule({ db, clock: systemClock, fx, log }, (_url, signal) => {
      started = true;
      return new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    });
    schedule.start(0);
    await eventually(async () => started);
    const before = Date.now();
    await schedule.stop();
    assert.ok(Date.now() - before < 1000, 'stop does not wait for the fetch timeout');
    assert.ok(lines.some((l) => l.err === 'aborted'));
  });
});
