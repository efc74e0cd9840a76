/**
 * recordPixelActivity's bounds and idempotence, on both dialects: conversions once per order, at most
 * MAX_TOUCHPOINTS_PER_VISITOR touchpoints per visitor, few writes for known visitors, nothing without a
 * visitor id, personal data only sealed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  LAST_SEEN_EVERY_MS,
  MAX_TOUCHPOINTS_PER_VISITOR,
  recordPixelActivity,
} from '../../src/attribution/record.js';
import {
  createTenant,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from '../harness.js';
import { activity, attributionRows, DAY, deps } from './helpers.js';

describe('recordPixelActivity', () => {
  let service: TestService;
  let tenant: Tenant;
  const T0 = Date.now() - 30 * DAY;

  before(async () => {
    service = await startTestService();
    tenant = await createTenant(service);
  });
  after(async () => {
    await service.destroy();
  });

  const visitor = (visitorId: string) =>
    service.storage.db
      .selectFrom('visitors')
      .selectAll()
      .where('domain_id', '=', tenant.domain.id)
      .where('visitor_id', '=', visitorId)
      .executeTakeFirst();
  const touchpoints = (visitorId: string) =>
    service.storage.db
      .selectFrom('touchpoints')
      .selectAll()
      .where('domain_id', '=', tenant.domain.id)
      .where('visitor_id', '=', visitorId)
      .orderBy('occurred_at')
      .execute();

  test('a purchase reported again (a retry, a second tab) stays one conversion', async () => {
    const purchase = {
      orderId: 'IDEM-1',
      eventId: 'purchase_IDEM-1',
      value: 10,
      currency: 'eur',
      eventTime: 1,
    };
    for (let i = 0; i < 3; i++) {
      await recordPixelActivity(
        deps(service),
        activity(tenant, 'vid-idem', T0 + i, {
          purchases: [{ ...purchase, eventTime: Math.floor(T0 / 1000) }],
        }),
      );
    }
    const rows = await service.storage.db
      .selectFrom('conversions')
      .selectAll()
      .where('domain_id', '=', tenant.domain.id)
      .where('order_id', '=', 'IDEM-1')
      .execute();
    assert.equal(rows.length, 1);
    assert.deepEqual(
      { value: rows[0]!.value, currency: rows[0]!.currency, visitor: rows[0]!.visitor_id },
      { value: '10', currency: 'EUR', visitor: 'vid-idem' },
    );
  });

  test(`a visitor keeps its ${MAX_TOUCHPOINTS_PER_VISITOR} latest touchpoints`, async () => {
    const extra = 5;
    for (let i = 0; i < MAX_TOUCHPOINTS_PER_VISITOR + extra; i++) {
      await recordPixelActivity(
        deps(service),
        activity(tenant, 'vid-busy', T0 + i * 60_000, {
          page: { url: `https://shop.example.com/?fbclid=F${i}`, referrer: null },
          clickIds: { fbclid: `F${i}` },
        }),
      );
    }
    const kept = await touchpoints('vid-busy');
    assert.equal(kept.length, MAX_TOUCHPOINTS_PER_VISITOR);
    assert.equal(Number(kept[0]!.occurred_at), T0 + extra * 60_000, 'the oldest were dropped');
  });

  test('a reload of the landing page is not a second touchpoint; a new click is', async () => {
    const landing = (now: number, fbclid: string) =>
      activity(tenant, 'vid-reload', now, {
        page: { url: `https://shop.example.com/?fbclid=${fbclid}`, referrer: null },
        clickIds: { fbclid },
      });
    await recordPixelActivity(deps(service), landing(T0, 'R1'));
    await recordPixelActivity(deps(service), landing(T0 + 60_000, 'R1'));
    assert.equal((await touchpoints('vid-reload')).length, 1);
    await recordPixelActivity(deps(service), landing(T0 + 120_000, 'R2'));
    assert.equal((await touchpoints('vid-reload')).length, 2);
  });

  test('a known visitor’s page views move last_seen_at at most every few minutes', async () => {
    await recordPixelActivity(deps(service), activity(tenant, 'vid-seen', T0));
    await recordPixelActivity(deps(service), activity(tenant, 'vid-seen', T0 + 60_000));
    assert.equal(Number((await visitor('vid-seen'))!.last_seen_at), T0);
    await recordPixelActivity(deps(service), activity(tenant, 'vid-seen', T0 + LAST_SEEN_EVERY_MS));
    const row = (await visitor('vid-seen'))!;
    assert.equal(Number(row.last_seen_at), T0 + LAST_SEEN_EVERY_MS);
    assert.equal(Number(row.first_seen_at), T0);
  });

  test('no visitor id (no consent): nothing is recorded', async () => {
    const before = await attributionRows(service, tenant.domain.id);
    await recordPixelActivity(
      deps(service),
      activity(tenant, null, T0, {
        page: { url: 'https://shop.example.com/?fbclid=NOPE', referrer: null },
        clickIds: { fbclid: 'NOPE' },
        identity: { email: 'nope@example.com' },
        purchases: [{ orderId: 'NOPE-1', eventId: 'purchase_NOPE-1', eventTime: Math.floor(T0 / 1000) }],
      }),
    );
    assert.equal(await attributionRows(service, tenant.domain.id), before);
  });

  test('identify stitches with a keyed hash; the identity is sealed to its row; a new identity re-stitches', async () => {
    await recordPixelActivity(
      deps(service),
      activity(tenant, 'vid-who', T0, { identity: { email: 'Who@Example.com', phone: '+4915100000001' } }),
    );
    const first = (await visitor('vid-who'))!;
    assert.match(first.shopper_key ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(service.sealer.open(first.identity_sealed!, first.id), {
      email: 'Who@Example.com',
      phone: '+4915100000001',
    });
    assert.throws(() => service.sealer.open(first.identity_sealed!, 'vis_other'), 'bound to its row');
    const tables = await attributionRows(service, tenant.domain.id);
    for (const secret of ['Who@', 'who@', '4915100000001']) assert.ok(!tables.includes(secret), secret);

    // The same shopper again: no write. Another one: the visitor follows the latest identify.
    await recordPixelActivity(
      deps(service),
      activity(tenant, 'vid-who', T0 + 1000, { identity: { email: 'who@example.com' } }),
    );
    assert.equal(Number((await visitor('vid-who'))!.stitched_at), T0);
    await recordPixelActivity(
      deps(service),
      activity(tenant, 'vid-who', T0 + 2000, { identity: { externalId: '77' } }),
    );
    const second = (await visitor('vid-who'))!;
    assert.notEqual(second.shopper_key, first.shopper_key);
    assert.equal(Number(second.stitched_at), T0 + 2000);
  });

  test('touchpoint details are sealed to their row: landing URL, referrer, click ids with their time', async () => {
    await recordPixelActivity(
      deps(service),
      activity(tenant, 'vid-sealed', T0, {
        page: {
          url: 'https://shop.example.com/?gclid=G-1&utm_term=shoes',
          referrer: 'https://www.google.com/',
        },
        clickIds: { gclid: 'G-1', unknown: 'x' },
        utm: { term: 'shoes' },
      }),
    );
    const [row] = await touchpoints('vid-sealed');
    assert.equal(row!.channel, 'google_ads');
    assert.deepEqual(service.sealer.open(row!.details_sealed, row!.id), {
      landingUrl: 'https://shop.example.com/?gclid=G-1&utm_term=shoes',
      referrer: 'https://www.google.com/',
      clickIds: { gclid: { value: 'G-1', at: T0 } },
      utmTerm: 'shoes',
    });
  });

  test('a shop without pixel visitors: its server-side Purchases write nothing; once the pixel runs, they link', async () => {
    const shop = await createTenant(service);
    const send = (orderId: string) =>
      service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(shop),
        payload: {
          events: [purchaseEvent({ eventId: undefined, customData: { orderId, value: 5, currency: 'EUR' } })],
        },
      });
    const conversions = () =>
      service.storage.db
        .selectFrom('conversions')
        .select('order_id')
        .where('domain_id', '=', shop.domain.id)
        .execute();
    assert.equal((await send('NOPIXEL-1')).statusCode, 200);
    assert.deepEqual(
      await conversions(),
      [],
      'no pixel, no conversion row (the bulk path stays one write per event)',
    );
    await recordPixelActivity(deps(service), activity(shop, 'vid-first', Date.now()));
    assert.equal((await send('PIXEL-2')).statusCode, 200);
    assert.deepEqual(
      (await conversions()).map((c) => c.order_id),
      ['PIXEL-2'],
    );
  });

  test('a pixel order is timed by the server’s clock, like its touchpoints (a click in the same second counts)', async () => {
    const now = Date.now();
    // The click lands 300 ms before the purchase is received; the browser's eventTime is whole seconds of
    // a clock running 2 s slow, so by the browser's time the order would come before the click.
    await recordPixelActivity(
      deps(service),
      activity(tenant, 'vid-clock', now - 300, { clickIds: { gclid: 'Cj0KCQclock' } }),
    );
    await recordPixelActivity(
      deps(service),
      activity(tenant, 'vid-clock', now, {
        purchases: [
          { orderId: 'CLOCK-1', eventId: 'purchase_CLOCK-1', eventTime: Math.floor((now - 2000) / 1000) },
        ],
      }),
    );
    const conversion = await service.storage.db
      .selectFrom('conversions')
      .select('occurred_at')
      .where('domain_id', '=', tenant.domain.id)
      .where('order_id', '=', 'CLOCK-1')
      .executeTakeFirstOrThrow();
    assert.equal(Number(conversion.occurred_at), now);
    const [click] = await touchpoints('vid-clock');
    assert.ok(Number(click!.occurred_at) <= Number(conversion.occurred_at), 'the click precedes the order');
  });
});
