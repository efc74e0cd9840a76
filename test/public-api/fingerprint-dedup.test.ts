/**
 * Seed 002: "within this window [20 minutes], events with identical eventId (or fingerprint-equivalent
 * events) are treated as duplicates". An event sent without an eventId is deduplicated by its fingerprint
 * (docs/public-api.md, "Deduplication"): the same event again is a duplicate, stored and sent once; an event
 * that differs in any field is accepted; the scope is the domain, so two tenants never collide.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTenant, ManualClock, startTestService, type Tenant, type TestService } from '../harness.js';
import { bearer, createKey } from './helpers.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-test-token-1234' };
const FINGERPRINT_ID = /^fp_[0-9a-f]{32}$/;

describe('POST /api/v1/events: events without an eventId are deduplicated by their fingerprint', () => {
  let service: TestService;
  let tenant: Tenant;
  let key: string;
  const clock = new ManualClock(Date.parse('2026-04-01T10:00:00Z'));
  let seq = 0;

  before(async () => {
    service = await startTestService({ role: 'api', clock });
    tenant = await createTenant(service, { destinations: { meta: META } });
    key = (await createKey(service, tenant.org.id)).key;
  });
  after(() => service.destroy());

  /** An AddToCart without eventId; `sku` keeps the tests' events apart. */
  const cart = (overrides: Record<string, unknown> = {}): Record<string, unknown> => {
    seq += 1;
    return {
      eventName: 'AddToCart',
      eventTime: Math.floor(clock.now() / 1000) - 5,
      eventSourceUrl: 'https://shop.example.com/product/1',
      userData: { email: 'kunde@example.com', ipAddress: '203.0.113.7', userAgent: 'Mozilla/5.0' },
      customData: { value: 49.99, currency: 'EUR', contents: [{ id: `sku-${seq}`, quantity: 1 }] },
      ...overrides,
    };
  };

  const post = (payload: unknown, apiKey = key) =>
    service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/json', ...bearer(apiKey) },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  const storedWithId = async (eventId: string): Promise<Array<{ id: string; org_id: string }>> =>
    service.storage.db
      .selectFrom('events')
      .select(['id', 'org_id'])
      .where('event_id', '=', eventId)
      .execute();

  const deliveriesOf = async (eventPk: string): Promise<number> => {
    const row = await service.storage.db
      .selectFrom('deliveries')
      .select(sql<number>`count(*)`.as('n'))
      .where('event_pk', '=', eventPk)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  test('the same event twice: the second is a duplicate — stored once, one delivery', async () => {
    const event = cart();
    const first = await post(event);
    assert.equal(first.statusCode, 200);
    const [result] = first.json().results;
    assert.equal(result.status, 'accepted');
    assert.match(result.eventId, FINGERPRINT_ID);

    clock.advance(60_000);
    const again = await post(event);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), {
      success: true,
      duplicate: true,
      summary: { accepted: 0, duplicate: 1, failed: 0 },
      results: [{ index: 0, eventId: result.eventId, status: 'duplicate' }],
    });

    const stored = await storedWithId(result.eventId);
    assert.equal(stored.length, 1);
    assert.equal(await deliveriesOf(stored[0]!.id), 1);
  });

  test('the same event with its keys in another order, PageView for PageVisit, itemPrice for price: still the same event', async () => {
    const event = cart({
      eventName: 'PageVisit',
      customData: { value: 5, currency: 'EUR', contents: [{ id: 'sku-alias', quantity: 1, price: 5 }] },
    });
    const first = await post(event);
    assert.equal(first.json().results[0].status, 'accepted');
    const reordered = {
      customData: { contents: [{ itemPrice: 5, quantity: 1, id: 'sku-alias' }], currency: 'EUR', value: 5 },
      userData: event.userData,
      eventSourceUrl: event.eventSourceUrl,
      eventTime: event.eventTime,
      eventName: 'PageView',
    };
    const second = await post(reordered);
    assert.equal(second.json().results[0].status, 'duplicate');
    assert.equal(second.json().results[0].eventId, first.json().results[0].eventId);
  });

  test('a different value, type, time or person is a different event: accepted', async () => {
    const base = cart();
    const customData = base.customData as Record<string, unknown>;
    const variants = [
      base,
      { ...base, customData: { ...customData, value: 59.99 } },
      { ...base, eventName: 'ViewContent' },
      { ...base, eventTime: (base.eventTime as number) - 1 },
      { ...base, userData: { ...(base.userData as object), email: 'andere@example.com' } },
    ];
    const res = await post(variants);
    const results = res.json().results as Array<{ status: string; eventId: string }>;
    assert.deepEqual(
      results.map((r) => r.status),
      ['accepted', 'accepted', 'accepted', 'accepted', 'accepted'],
    );
    assert.equal(new Set(results.map((r) => r.eventId)).size, 5);
    // And each of them again, in one bulk: all duplicates.
    const again = await post(variants);
    assert.deepEqual(again.json().summary, { accepted: 0, duplicate: 5, failed: 0 });
  });

  test('the same event twice in one bulk: the first is accepted, the second a duplicate', async () => {
    const event = cart();
    const res = await post([event, event]);
    assert.deepEqual(
      res.json().results.map((r: { status: string }) => r.status),
      ['accepted', 'duplicate'],
    );
    assert.equal((await storedWithId(res.json().results[0].eventId)).length, 1);
  });

  test('the window is 20 minutes: 19 minutes later a duplicate, 21 minutes after the first accepted again', async () => {
    const event = cart();
    assert.equal((await post(event)).json().results[0].status, 'accepted');
    clock.advance(19 * 60_000);
    assert.equal((await post(event)).json().results[0].status, 'duplicate');
    clock.advance(2 * 60_000);
    const later = await post(event);
    assert.equal(later.json().results[0].status, 'accepted');
    assert.equal((await storedWithId(later.json().results[0].eventId)).length, 2);
  });

  test('two tenants sending the same event: both accepted, under different ids', async () => {
    const other = await createTenant(service, { destinations: { meta: META } });
    const otherKey = (await createKey(service, other.org.id)).key;
    const event = cart();
    const mine = await post(event);
    const theirs = await post(event, otherKey);
    assert.equal(mine.json().results[0].status, 'accepted');
    assert.equal(theirs.json().results[0].status, 'accepted');
    assert.notEqual(mine.json().results[0].eventId, theirs.json().results[0].eventId);
    // Each tenant's own repeat is still its duplicate.
    assert.equal((await post(event, otherKey)).json().results[0].status, 'duplicate');
  });

  test('an eventId sent is used as it is; a Purchase with an orderId keeps purchase_<orderId>', async () => {
    const withId = await post(cart({ eventId: 'atc_fixed_1' }));
    assert.equal(withId.json().results[0].eventId, 'atc_fixed_1');
    const purchase = await post(
      cart({ eventName: 'Purchase', customData: { value: 10, currency: 'EUR', orderId: 'ORDER-FP-1' } }),
    );
    assert.equal(purchase.json().results[0].eventId, 'purchase_ORDER-FP-1');
  });
});
