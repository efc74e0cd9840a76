/**
 * Shop orders as the source of truth (issue 10 §1–2), end to end on both dialects: WooCommerce and Shopify
 * order webhooks, signed as the shops sign them, stored before the answer, processed after; a paid order
 * reaches every fake platform as exactly one Purchase (`purchase_<orderId>`), each refund as one refund
 * event; an order the plugin already sent is not sent again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type FakePlatforms, startFakePlatforms } from '../../src/dev/fakes/index.js';
import { systemClock } from '../../src/lib/clock.js';
import { CLI_ACTOR } from '../../src/management/audit.js';
import { ensureShopWebhookSecret, rotateShopWebhookSecretFor } from '../../src/orders/webhook-secrets.js';
import { dedupKey } from '../../src/storage/dedup-key.js';
import {
  createSession,
  createTenant,
  eventually,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from '../harness.js';
import { GOOD, iso, type Sent, shopifySample, sign, TYPES, wooOrder } from './helpers.js';

describe('shop order webhooks', () => {
  let fakes: FakePlatforms;
  let service: TestService;
  let tenant: Tenant;
  let wooSecret: string;
  let shopifySecret: string;

  const deps = () => ({ ...service, clock: systemClock });

  before(async () => {
    fakes = await startFakePlatforms({ validTokens: TYPES.map((t) => GOOD[t]!.accessToken as string) });
    service = await startTestService({ env: { ...fakes.urls, PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    tenant = await createTenant(service, { destinations: GOOD });
    const scope = { orgId: tenant.org.id, domainId: tenant.domain.id };
    wooSecret = (await ensureShopWebhookSecret(deps(), CLI_ACTOR, { ...scope, platform: 'woocommerce' }))
      .secret;
    // Shopify signs with a key it shows the shop: stored as given.
    shopifySecret = 'shpss_0123456789abcdef0123456789abcdef';
    await rotateShopWebhookSecretFor(deps(), CLI_ACTOR, {
      ...scope,
      platform: 'shopify',
      secret: shopifySecret,
    });
  });
  after(async () => {
    await service.destroy();
    await fakes.close();
  });

  const postWoo = (body: string, topic: string, headers: Record<string, string> = {}) =>
    service.app!.inject({
      method: 'POST',
      url: `/v1/webhooks/woocommerce/${tenant.domain.id}`,
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-topic': topic,
        'x-wc-webhook-signature': sign(wooSecret, body),
        'x-wc-webhook-delivery-id': Math.random().toString(16).slice(2),
        ...headers,
      },
      payload: body,
    });

  const postShopify = (body: string, topic: string, webhookId: string) =>
    service.app!.inject({
      method: 'POST',
      url: `/v1/webhooks/shopify/${tenant.domain.id}`,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-hmac-sha256': sign(shopifySecret, body),
        'x-shopify-webhook-id': webhookId,
        'x-shopify-shop-domain': 'shop.myshopify.com',
      },
      payload: body,
    });

  /** Processes the inbox now (the service's processor also polls; draining makes the test deterministic). */
  const processInbox = () => service.orders!.drain();

  /** How many events each fake accepted carrying this exact event id. */
  const countAt = (eventId: string): Record<string, number> =>
    Object.fromEntries(
      TYPES.map((type) => [
        type,
        (fakes[type].accepted as unknown[]).filter((e) => JSON.stringify(e).includes(`"${eventId}"`)).length,
      ]),
    );

  const everywhere = (n: number) => Object.fromEntries(TYPES.map((t) => [t, n]));

  /** Waits until every destination has a final outcome for every event with this id. */
  const settled = (eventId: string) =>
    eventually(async () => {
      const rows = await service.storage.db
        .selectFrom('deliveries as d')
        .innerJoin('events as e', 'e.id', 'd.event_pk')
        .select(['d.status'])
        .where('e.domain_id', '=', tenant.domain.id)
        .where('e.event_id', '=', eventId)
        .execute();
      return rows.length >= TYPES.length && rows.every((r) => r.status !== 'pending');
    });

  test("WooCommerce's creation ping (form-encoded, unsigned) is answered 200", async () => {
    const res = await service.app!.inject({
      method: 'POST',
      url: `/v1/webhooks/woocommerce/${tenant.domain.id}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'webhook_id=17',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'ping');
  });

  test('a tampered body, a wrong secret and an unknown domain are refused and store nothing', async () => {
    const body = wooOrder(9001, 'processing', Date.now());
    const tampered = body.replace('"total":"29.35"', '"total":"0.01"');
    assert.notEqual(tampered, body);
    const bad = await postWoo(tampered, 'order.updated', { 'x-wc-webhook-signature': sign(wooSecret, body) });
    assert.equal(bad.statusCode, 401, bad.body);
    assert.equal(bad.json().error.code, 'unauthenticated');
    const wrong = await postWoo(body, 'order.updated', {
      'x-wc-webhook-signature': sign('not-the-secret', body),
    });
    assert.equal(wrong.statusCode, 401);
    // A body re-serialized without PHP's escaped slashes is not what was signed.
    const reserialized = JSON.stringify(JSON.parse(body));
    assert.notEqual(reserialized, body);
    const resigned = await postWoo(reserialized, 'order.updated', {
      'x-wc-webhook-signature': sign(wooSecret, body),
    });
    assert.equal(resigned.statusCode, 401);
    const unknown = await service.app!.inject({
      method: 'POST',
      url: '/v1/webhooks/woocommerce/dom_doesnotexist',
      headers: { 'content-type': 'application/json', 'x-wc-webhook-signature': sign(wooSecret, body) },
      payload: body,
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'not_found');
    const stored = await service.storage.db.selectFrom('shop_webhooks').select('id').execute();
    assert.equal(stored.length, 0);
  });

  test('WooCommerce pending → processing → refunded: one Purchase and one refund at every platform', async () => {
    const t0 = Date.now() - 120_000;
    const pending = await postWoo(wooOrder(727, 'pending', t0), 'order.created');
    assert.equal(pending.statusCode, 200, pending.body);
    assert.equal(pending.json().status, 'stored');
    await processInbox();
    const afterPending = await service.storage.db
      .selectFrom('orders')
      .selectAll()
      .where('order_id', '=', '727')
      .executeTakeFirstOrThrow();
    assert.equal(afterPending.paid, 0);
    assert.equal(afterPending.snapshot_sealed, null, 'no personal data kept for an unpaid order');

    const paid = wooOrder(727, 'processing', t0 + 10_000);
    assert.equal((await postWoo(paid, 'order.updated')).statusCode, 200);
    // The same state again (a second webhook for the same change), and a late, older one.
    assert.equal((await postWoo(paid, 'order.updated')).statusCode, 200);
    assert.equal((await postWoo(wooOrder(727, 'pending', t0 + 5_000), 'order.updated')).statusCode, 200);
    await processInbox();
    await settled('purchase_727');
    assert.deepEqual(countAt('purchase_727'), everywhere(1));

    const refunded = wooOrder(727, 'refunded', t0 + 20_000, {
      refunds: [{ id: 801, reason: 'damaged', total: '-29.35' }],
    });
    assert.equal((await postWoo(refunded, 'order.updated')).statusCode, 200);
    assert.equal((await postWoo(refunded, 'order.updated')).statusCode, 200);
    await processInbox();
    await settled('refund_727_801');
    assert.deepEqual(countAt('purchase_727'), everywhere(1));
    assert.deepEqual(countAt('refund_727_801'), everywhere(1));

    const order = await service.storage.db
      .selectFrom('orders')
      .selectAll()
      .where('order_id', '=', '727')
      .executeTakeFirstOrThrow();
    assert.equal(order.paid, 1);
    assert.equal(order.status, 'refunded');
    assert.equal(order.purchase_state, 'sent');
    assert.equal(order.refunded_total, 29.35);

    // What Meta got: the value, the click ids from the landing page, the IP and user agent of the order.
    const meta = (fakes.meta.accepted as unknown as Sent[]).find((e) => e.event_id === 'purchase_727')!;
    assert.equal(meta.event_name, 'Purchase');
    assert.equal(meta.custom_data.value, 29.35);
    assert.equal(meta.custom_data.currency, 'USD');
    assert.equal(meta.user_data.client_ip_address, '203.0.113.7');
    assert.equal(meta.user_data.fbp, 'fb.1.1700000000000.1234567890');
    const tiktok = (fakes.tiktok.accepted as unknown as Sent[]).find((e) => e.event_id === 'purchase_727')!;
    assert.equal(tiktok.user.ttclid, 'E.C.P.abc');
    const refund = (fakes.meta.accepted as unknown as Sent[]).find((e) => e.event_id === 'refund_727_801')!;
    assert.equal(refund.event_name, 'Refund');
    assert.equal(refund.custom_data.value, 29.35);

    // The inbox says what each webhook did; processed bodies are gone.
    const inbox = await service.storage.db
      .selectFrom('shop_webhooks')
      .selectAll()
      .where('domain_id', '=', tenant.domain.id)
      .execute();
    assert.ok(inbox.every((w) => w.status !== 'pending' && w.body_sealed === null));
    assert.ok(inbox.some((w) => w.result?.includes('Purchase purchase_727 sent')));
  });

  test('Shopify create → paid → refund: one Purchase and one refund, ids above 2^53 kept exactly', async () => {
    const id = '820982911946154508';
    const t0 = Date.now() - 120_000;
    const order = (status: string, at: number) =>
      JSON.stringify({
        ...shopifySample,
        id: 0,
        financial_status: status,
        created_at: iso(t0),
        updated_at: iso(at),
        processed_at: iso(at),
        browser_ip: '198.51.100.23',
        client_details: { ...shopifySample.client_details, user_agent: 'Mozilla/5.0 (iPhone) Mobile Safari' },
        landing_site: '/products/ipod?fbclid=IwAR-test-fbclid',
      }).replace('"id":0', `"id":${id}`);
    assert.equal((await postShopify(order('pending', t0), 'orders/create', 'wh-1')).statusCode, 200);
    const paid = order('paid', t0 + 10_000);
    assert.equal((await postShopify(paid, 'orders/paid', 'wh-2')).statusCode, 200);
    // Shopify retries with the same webhook id: recognised, nothing stored twice.
    const again = await postShopify(paid, 'orders/paid', 'wh-2');
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().status, 'duplicate');
    await processInbox();
    await settled(`purchase_${id}`);
    assert.deepEqual(countAt(`purchase_${id}`), everywhere(1));
    const meta = (fakes.meta.accepted as unknown as Sent[]).find((e) => e.event_id === `purchase_${id}`)!;
    assert.equal(meta.custom_data.order_id, id);
    assert.match(meta.user_data.fbc ?? '', /^fb\.1\.\d{13}\.IwAR-test-fbclid$/);

    const refund = `{"id":${id.slice(0, -3)}999,"order_id":${id},"created_at":"${iso(t0 + 20_000)}","transactions":[{"kind":"refund","status":"success","amount":"50.00"}]}`;
    assert.equal((await postShopify(refund, 'refunds/create', 'wh-3')).statusCode, 200);
    await processInbox();
    const refundId = `refund_${id}_${id.slice(0, -3)}999`;
    await settled(refundId);
    assert.deepEqual(countAt(refundId), everywhere(1));
    assert.deepEqual(countAt(`purchase_${id}`), everywhere(1));
  });

  test('an order the plugin already sent is not sent again', async () => {
    const pluginEvent = purchaseEvent({
      eventId: undefined,
      customData: { orderId: '5150', value: 12, currency: 'EUR' },
    });
    delete pluginEvent.eventId;
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [pluginEvent] },
    });
    assert.equal(res.statusCode, 200, res.body);
    await settled('purchase_5150');
    assert.deepEqual(countAt('purchase_5150'), everywhere(1));
    // The plugin sent it days ago: its dedup window (48 h) has passed, the order must still not go twice.
    const expired = await service.storage.db
      .updateTable('dedup_keys')
      .set({ expires_at: Date.now() - 1 })
      .where('key', '=', dedupKey(tenant.domain.id, 'Purchase', 'purchase_5150'))
      .executeTakeFirst();
    assert.equal(Number(expired.numUpdatedRows), 1, 'the dedup key of the plugin event');

    assert.equal(
      (await postWoo(wooOrder(5150, 'completed', Date.now() - 1000), 'order.created')).statusCode,
      200,
    );
    await processInbox();
    const order = await service.storage.db
      .selectFrom('orders')
      .selectAll()
      .where('order_id', '=', '5150')
      .executeTakeFirstOrThrow();
    assert.equal(order.purchase_state, 'plugin');
    const events = await service.storage.db
      .selectFrom('events')
      .select('source')
      .where('event_id', '=', 'purchase_5150')
      .execute();
    assert.deepEqual(
      events.map((e) => e.source),
      ['PROXY'],
    );
    assert.deepEqual(countAt('purchase_5150'), everywhere(1));
  });

  test('paid statuses per domain: only what the shop counts as paid becomes a Purchase', async () => {
    const admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
    const put = (paidStatuses: unknown) =>
      service.app!.inject({
        method: 'PUT',
        url: `/v1/domains/${tenant.domain.id}/order-settings`,
        headers: admin.headers,
        payload: { paidStatuses },
      });
    const typo = await put({ woocommerce: ['complete'] });
    assert.equal(typo.statusCode, 400);
    assert.equal(typo.json().error.code, 'validation_failed');
    assert.equal(typo.json().error.details.field, 'paidStatuses.woocommerce');
    const set = await put({ woocommerce: ['completed'] });
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(set.json().paidStatuses.woocommerce, ['completed']);
    assert.equal(set.json().defaults.shopify, true);

    const t0 = Date.now() - 60_000;
    assert.equal((await postWoo(wooOrder(7300, 'processing', t0), 'order.created')).statusCode, 200);
    await processInbox();
    const processing = await service.storage.db
      .selectFrom('orders')
      .selectAll()
      .where('order_id', '=', '7300')
      .executeTakeFirstOrThrow();
    assert.equal(processing.paid, 0);
    assert.deepEqual(countAt('purchase_7300'), everywhere(0));
    assert.equal((await postWoo(wooOrder(7300, 'completed', t0 + 1000), 'order.updated')).statusCode, 200);
    await processInbox();
    await settled('purchase_7300');
    assert.deepEqual(countAt('purchase_7300'), everywhere(1));
    const reset = await put({ woocommerce: null });
    assert.equal(reset.json().defaults.woocommerce, true);
  });

  test('a rotated secret: the new one verifies, the previous one during its grace period', async () => {
    const scope = { orgId: tenant.org.id, domainId: tenant.domain.id, platform: 'woocommerce' };
    const old = wooSecret;
    const rotated = await rotateShopWebhookSecretFor(deps(), CLI_ACTOR, scope);
    assert.notEqual(rotated.secret, old);
    assert.ok(rotated.previousValidUntil !== null && rotated.previousValidUntil > Date.now());
    const body = wooOrder(9100, 'pending', Date.now());
    assert.equal(
      (await postWoo(body, 'order.created', { 'x-wc-webhook-signature': sign(old, body) })).statusCode,
      200,
    );
    assert.equal(
      (await postWoo(body, 'order.created', { 'x-wc-webhook-signature': sign(rotated.secret, body) }))
        .statusCode,
      200,
    );
    wooSecret = rotated.secret;
  });
});
