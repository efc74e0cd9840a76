/**
 * GET /api/v1/stats on known data: events posted at fixed times (ManualClock), ECB rates for two days
 * stored beforehand, delivery outcomes set by hand. Every figure is computed here by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeFxRates } from '../../src/storage/repos/fx-rates.js';
import {
  createTenant,
  ManualClock,
  setDeliveryStatus,
  startTestService,
  type Tenant,
  type TestService,
} from '../harness.js';
import { apiEvent, bearer, createKey } from './helpers.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-test-token-1234' };

describe('GET /api/v1/stats', () => {
  const clock = new ManualClock(Date.parse('2026-04-01T09:00:00Z'));
  let service: TestService;
  let tenant: Tenant;
  let key: string;

  const post = async (events: Array<Record<string, unknown>>): Promise<void> => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: bearer(key),
      payload: events,
    });
    assert.equal(res.json().summary.accepted, events.length, res.body);
  };
  const purchase = (value: number, currency?: string): Record<string, unknown> =>
    apiEvent({ userData: undefined, customData: currency ? { value, currency } : { value } }, clock.now());
  const pageVisit = (): Record<string, unknown> =>
    apiEvent({ eventName: 'PageVisit', userData: undefined, customData: undefined }, clock.now());

  before(async () => {
    service = await startTestService({ role: 'api', clock });
    tenant = await createTenant(service, { destinations: { meta: META } });
    key = (await createKey(service, tenant.org.id)).key;
    const { db } = service.storage;
    await storeFxRates(db, {
      date: '2026-04-01',
      rates: { USD: '1.25', GBP: '0.80' },
      source: 'ecb',
      now: clock.now(),
    });
    await storeFxRates(db, { date: '2026-04-02', rates: { USD: '1.10' }, source: 'ecb', now: clock.now() });
    await db
      .insertInto('custom_event_definitions')
      .values({
        id: 'cev_statswebinar',
        org_id: tenant.org.id,
        name: 'Webinar',
        description: null,
        is_active: 1,
        created_at: clock.now(),
        updated_at: clock.now(),
      })
      .execute();

    // Day 1, 09:00: 4 page visits, 100 EUR, 125 USD (= 100 EUR at 1.25).
    await post([
      pageVisit(),
      pageVisit(),
      pageVisit(),
      pageVisit(),
      purchase(100, 'EUR'),
      purchase(125, 'usd'),
    ]);
    // Day 2, 15:00: 2 page visits, 110 USD (= 100 EUR at 1.10), 40 GBP (= 50 EUR at day 1's 0.80), 5 XYZ.
    clock.set(Date.parse('2026-04-02T15:00:00Z'));
    await post([pageVisit(), pageVisit(), purchase(110, 'USD'), purchase(40, 'GBP'), purchase(5, 'XYZ')]);
    // Day 3, 10:00: a custom event and a purchase without currency (taken as the store currency).
    clock.set(Date.parse('2026-04-03T10:00:00Z'));
    await post([
      apiEvent({ eventName: 'Webinar', userData: undefined, customData: undefined }, clock.now()),
      purchase(20),
    ]);
    // Delivery outcomes of day 1 (six meta deliveries): 4 delivered, 1 failed, 1 dead; day 2: 2 skipped, 3 pending.
    const day = async (iso: string): Promise<string[]> =>
      (
        await db
          .selectFrom('deliveries')
          .select('id')
          .where('org_id', '=', tenant.org.id)
          .where('created_at', '>=', Date.parse(iso))
          .where('created_at', '<', Date.parse(iso) + 86_400_000)
          .orderBy('id')
          .execute()
      ).map((r) => r.id);
    const one = await day('2026-04-01T00:00:00Z');
    const two = await day('2026-04-02T00:00:00Z');
    assert.equal(one.length, 6);
    assert.equal(two.length, 5);
    const set = async (ids: string[], status: string): Promise<void> => {
      await setDeliveryStatus(db, ids, status);
    };
    await set(one.slice(0, 4), 'delivered');
    await set([one[4]!], 'failed');
    await set([one[5]!], 'dead');
    await set(two.slice(0, 2), 'skipped');
    clock.set(Date.parse('2026-04-03T12:00:00Z'));
  });
  after(() => service.destroy());

  const stats = async (query: string) => {
    const res = await service.app!.inject({
      method: 'GET',
      url: `/api/v1/stats?${query}`,
      headers: bearer(key),
    });
    return res;
  };

  test('day buckets: events by name, revenue in EUR at each day’s ECB rate, conversion rate, delivery success', async () => {
    const res = await stats('granularity=day&from=2026-04-01&to=2026-04-03&currency=EUR');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.currency, 'EUR');
    assert.equal(body.timezone, 'UTC');
    assert.equal(body.from, '2026-04-01T00:00:00.000Z');
    assert.equal(body.to, '2026-04-04T00:00:00.000Z');
    assert.deepEqual(
      body.buckets.map((b: Record<string, unknown>) => [
        b.start,
        b.events,
        b.eventsByName,
        b.purchases,
        b.pageVisits,
        b.conversionRate,
        b.revenue,
        b.unconvertedRevenue,
      ]),
      [
        ['2026-04-01T00:00:00.000Z', 6, { PageVisit: 4, Purchase: 2 }, 2, 4, 0.5, 200, {}],
        ['2026-04-02T00:00:00.000Z', 5, { PageVisit: 2, Purchase: 3 }, 3, 2, 1.5, 150, { XYZ: 5 }],
        ['2026-04-03T00:00:00.000Z', 2, { Purchase: 1, Webinar: 1 }, 1, 0, null, 20, {}],
      ],
    );
    assert.deepEqual(body.buckets[0].delivery, {
      meta: { delivered: 4, failed: 1, dead: 1, skipped: 0, pending: 0, successRate: 0.6667 },
    });
    assert.deepEqual(body.buckets[1].delivery, {
      meta: { delivered: 0, failed: 0, dead: 0, skipped: 2, pending: 3, successRate: null },
    });
    assert.equal(body.totals.events, 13);
    assert.equal(body.totals.revenue, 370);
    assert.equal(body.totals.conversionRate, 1);
    assert.deepEqual(body.totals.delivery.meta, {
      delivered: 4,
      failed: 1,
      dead: 1,
      skipped: 2,
      pending: 5,
      successRate: 0.6667,
    });
  });

  test('another target currency converts through the euro; the default is the most used purchase currency', async () => {
    const gbp = (await stats('from=2026-04-01&to=2026-04-01&currency=gbp')).json();
    assert.equal(gbp.currency, 'GBP');
    // 100 EUR + 125 USD = 200 EUR = 160 GBP at 0.80.
    assert.equal(gbp.buckets[0].revenue, 160);
    // USD is the currency of most purchases (2 of 6): the store currency when none is asked for.
    const usd = (await stats('from=2026-04-01&to=2026-04-02')).json();
    assert.equal(usd.currency, 'USD');
    // Day 1: 100 EUR = 125 USD, + 125 USD. Day 2: 110 USD + 40 GBP (50 EUR) = 55 USD at 1.10.
    assert.equal(usd.buckets[0].revenue, 250);
    assert.equal(usd.buckets[1].revenue, 165);
    const unknown = await stats('currency=XYZ');
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().error.details.field, 'currency');
  });

  test('hour, week and month buckets', async () => {
    const hours = (
      await stats('granularity=hour&from=2026-04-01T00:00:00Z&to=2026-04-02T00:00:00Z&currency=EUR')
    ).json();
    assert.equal(hours.buckets.length, 24);
    const nine = hours.buckets.find((b: { start: string }) => b.start === '2026-04-01T09:00:00.000Z');
    assert.equal(nine.events, 6);
    assert.equal(nine.revenue, 200);
    assert.equal(hours.buckets.filter((b: { events: number }) => b.events > 0).length, 1);

    const week = (await stats('granularity=week&from=2026-03-30&to=2026-04-05&currency=EUR')).json();
    assert.deepEqual(
      week.buckets.map((b: { start: string; end: string; events: number; revenue: number }) => [
        b.start,
        b.end,
        b.events,
        b.revenue,
      ]),
      [['2026-03-30T00:00:00.000Z', '2026-04-06T00:00:00.000Z', 13, 370]],
    );
    const month = (await stats('granularity=month&from=2026-03-01&to=2026-04-30&currency=EUR')).json();
    assert.deepEqual(
      month.buckets.map((b: { start: string; events: number }) => [b.start, b.events]),
      [
        ['2026-03-01T00:00:00.000Z', 0],
        ['2026-04-01T00:00:00.000Z', 13],
      ],
    );
  });

  test('granularity=hour is limited to 7 days; bad ranges are validation_failed', async () => {
    const tooLong = await stats('granularity=hour&from=2026-03-01&to=2026-03-08');
    assert.equal(tooLong.statusCode, 400);
    assert.equal(tooLong.json().error.code, 'validation_failed');
    assert.match(tooLong.json().error.message, /7 days/);
    assert.equal(
      (await stats('granularity=hour&from=2026-03-01T00:00:00Z&to=2026-03-08T00:00:00Z')).statusCode,
      200,
    );
    for (const query of [
      'granularity=year',
      'from=2026-04-05&to=2026-04-01',
      'from=2020-01-01&to=2026-01-01',
      'to=soon',
    ]) {
      const res = await stats(query);
      assert.equal(res.statusCode, 400, query);
      assert.equal(res.json().error.code, 'validation_failed', query);
    }
  });

  test('without from/to: the last 30 days, today included', async () => {
    const body = (await stats('currency=EUR')).json();
    assert.equal(body.buckets.length, 30);
    assert.equal(body.to, '2026-04-04T00:00:00.000Z');
    assert.equal(body.totals.events, 13);
  });
});
