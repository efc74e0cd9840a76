import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { DestinationType } from '../src/destinations/types.js';
import { type FakePlatforms, startFakePlatforms } from '../src/dev/fakes/index.js';
import {
  createTenant,
  eventually,
  proxyHeaders,
  purchaseEvent,
  sameDatabaseEnv,
  startTestService,
  type Tenant,
  type TestService,
} from './harness.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** The platforms this file covers, each with a config its fake accepts (a new destination brings its own). */
const GOOD = {
  meta: { pixelId: '1234567890', accessToken: 'meta-good-token' },
  tiktok: { pixelCode: 'CABC1234567', accessToken: 'tiktok-good-token' },
  pinterest: { adAccountId: '549755885175', accessToken: 'pinterest-good-token' },
  snapchat: { pixelId: '0a1b2c3d-0000-4000-8000-000000000001', accessToken: 'snap-good-token' },
  reddit: { pixelId: 't2_abc123', accessToken: 'reddit-good-token' },
  ga4: { measurementId: 'G-E2E0000001', apiSecret: 'ga4-good-secret' },
  microsoft: { tagId: '187012345', accessToken: 'microsoft-good-token' },
} satisfies Partial<Record<DestinationType, Record<string, unknown>>>;
type Covered = keyof typeof GOOD;
const TYPES = Object.keys(GOOD) as Covered[];
/** GA4's credential is its API secret; every other platform's an access token. */
const SECRET_FIELD = (type: Covered) => (type === 'ga4' ? 'apiSecret' : 'accessToken');
const secretOf = (type: Covered): string => (GOOD[type] as Record<string, string>)[SECRET_FIELD(type)] ?? '';
const withToken = (type: Covered, token: string) => ({ ...GOOD[type], [SECRET_FIELD(type)]: token });

describe('every platform end to end: /v1/events → delivery → fake platform', () => {
  let fakes: FakePlatforms;
  let service: TestService;
  let tenant: Tenant;

  before(async () => {
    fakes = await startFakePlatforms({ validTokens: TYPES.map(secretOf) });
    service = await startTestService({ env: { ...fakes.urls, PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    tenant = await createTenant(service, { destinations: GOOD });
  });
  after(async () => {
    await service.destroy();
    await fakes.close();
  });

  const statuses = async (eventId: string) =>
    service.storage.db
      .selectFrom('deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_pk')
      .select(['d.destination_type', 'd.status', 'd.attempts', 'd.last_error', 'd.last_status_code'])
      .where('e.event_id', '=', eventId)
      .execute();

  test('a rich Purchase is accepted by all seven fakes, hashed as each requires', async () => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: {
        events: [
          purchaseEvent({
            eventId: 'e2e-order-1',
            userData: {
              ...(purchaseEvent().userData as object),
              epik: 'dj0yJnU9abc',
              ttclid: 'E.C.P.abc',
              rdtClickId: 'rdt-click-1',
              gaClientId: 'GA1.1.1234567890.1733000000',
              gaSessionId: '1733000100',
              msclkid: 'dd4afcccb1c9a4cad9544dd7e5006',
            },
          }),
        ],
      },
    });
    assert.equal(res.statusCode, 200);
    const rows = await eventually(async () => {
      const r = await statuses('e2e-order-1');
      return r.length === TYPES.length && r.every((d) => d.status !== 'pending') ? r : undefined;
    });
    for (const row of rows)
      assert.equal(row.status, 'delivered', `${row.destination_type}: ${row.last_error}`);
    // GA4 answers 2xx to anything: only the fake knows whether it kept the event.
    assert.equal(fakes.ga4.received[0]?.note, undefined, fakes.ga4.received[0]?.note);
    const email = sha('jane.doe@example.com');
    const meta = fakes.meta.accepted[0] as { user_data: { em: string[] } };
    assert.deepEqual(meta.user_data.em, [email]);
    const tiktok = fakes.tiktok.accepted[0] as { event: string; user: { email: string; phone: string } };
    assert.equal(tiktok.event, 'Purchase');
    assert.ok([email, [email]].some((v) => JSON.stringify(v) === JSON.stringify(tiktok.user.email)));
    assert.ok(JSON.stringify(tiktok.user.phone).includes(sha('+16505551212')), 'TikTok hashes +E.164');
    const pinterest = fakes.pinterest.accepted[0] as { event_name: string; custom_data: { value: string } };
    assert.equal(pinterest.event_name, 'checkout');
    assert.equal(pinterest.custom_data.value, '49.99');
    const snapchat = fakes.snapchat.accepted[0] as { event_name: string; user_data: { em: string[] } };
    assert.equal(snapchat.event_name, 'PURCHASE');
    assert.deepEqual(snapchat.user_data.em, [email]);
    const reddit = fakes.reddit.accepted[0] as {
      event_at: number;
      type: { tracking_type: string };
      user: { ip_address: string };
    };
    assert.equal(reddit.type.tracking_type, 'PURCHASE');
    assert.equal(reddit.user.ip_address, sha('203.0.113.42'));
    assert.ok(reddit.event_at > 1e12, 'Reddit event_at is in milliseconds');
    const ga4 = fakes.ga4.accepted[0] as {
      client_id: string;
      name: string;
      params: { transaction_id: string; session_id: string };
      user_data: { sha256_email_address: string[]; sha256_phone_number: string[]; address: unknown[] };
    };
    assert.equal(ga4.client_id, '1234567890.1733000000', 'the browser’s client id from the _ga cookie');
    assert.equal(ga4.name, 'purchase');
    assert.equal(ga4.params.transaction_id, 'T-12345');
    assert.equal(ga4.params.session_id, '1733000100');
    assert.deepEqual(ga4.user_data.sha256_email_address, [email], 'not gmail: dots kept');
    assert.deepEqual(ga4.user_data.sha256_phone_number, [sha('+16505551212')]);
    assert.deepEqual(ga4.user_data.address, [
      {
        sha256_first_name: sha('jane'),
        sha256_last_name: sha('doe'),
        city: 'menlo park',
        region: 'ca',
        postal_code: '94025',
        country: 'US',
      },
    ]);
    const microsoft = fakes.microsoft.accepted[0] as {
      eventType: string;
      eventName: string;
      adStorageConsent: string;
      userData: { em: string; ph: string; msclkid: string; anonymousId: string };
      customData: { transactionId: string; value: number; currency: string };
    };
    assert.equal(microsoft.eventType, 'custom');
    assert.equal(microsoft.eventName, 'purchase');
    assert.equal(microsoft.adStorageConsent, 'G');
    assert.equal(
      microsoft.userData.em,
      sha('janedoe@example.com'),
      'Microsoft drops the dots on every domain',
    );
    assert.equal(microsoft.userData.ph, sha('+16505551212'));
    assert.equal(microsoft.userData.msclkid, 'dd4afcccb1c9a4cad9544dd7e5006');
    assert.deepEqual(microsoft.customData, {
      pageType: 'purchase',
      transactionId: 'T-12345',
      value: 49.99,
      currency: 'USD',
      ecommTotalValue: 49.99,
      items: [{ id: 'SKU-001', quantity: 1, price: 49.99, name: 'Widget' }],
      itemIds: ['SKU-001'],
    });
  });

  test('a customer id sent as a JSON number reaches the platforms as its decimal string, hashed', async () => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: {
        events: [
          purchaseEvent({
            eventId: 'e2e-numeric-id',
            userData: { ...(purchaseEvent().userData as object), externalId: 4711 },
          }),
        ],
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    await eventually(async () => {
      const r = await statuses('e2e-numeric-id');
      return r.length === TYPES.length && r.every((d) => d.status !== 'pending') ? r : undefined;
    });
    for (const row of await statuses('e2e-numeric-id'))
      assert.equal(row.status, 'delivered', `${row.destination_type}: ${row.last_error}`);
    const meta = (
      fakes.meta.accepted as Array<{ event_id: string; user_data: { external_id: string[] } }>
    ).find((e) => e.event_id === 'e2e-numeric-id')!;
    assert.deepEqual(meta.user_data.external_id, [sha('4711')]);
  });

  test('an invalid access token marks each destination needs_attention with the platform’s message on the outcome (GA4 cannot tell)', async () => {
    const bad = await createTenant(service, {
      destinations: Object.fromEntries(TYPES.map((t) => [t, withToken(t, `${t}-revoked-token`)])),
    });
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(bad),
      payload: { events: [purchaseEvent({ eventId: 'e2e-badtoken' })] },
    });
    assert.equal(res.statusCode, 200);
    // Every destination has tried once: GA4 delivered, the others refused and now wait behind their held
    // destination (the event is not at fault; it goes out once the credentials are fixed).
    const rows = await eventually(async () => {
      const r = await statuses('e2e-badtoken');
      return r.length === TYPES.length && r.every((d) => d.attempts >= 1) ? r : undefined;
    });
    const destinations = await service.storage.db
      .selectFrom('destinations')
      .select(['type', 'status', 'last_error'])
      .where('domain_id', '=', bad.domain.id)
      .execute();
    for (const row of rows) {
      if (row.destination_type === 'ga4') {
        // GA4 answers 2xx to a wrong API secret and drops the event: there is nothing to detect. The
        // fake records the drop; the destination's "send test event" cannot see it either.
        assert.equal(row.status, 'delivered');
        assert.match(fakes.ga4.received.at(-1)?.note ?? '', /api_secret/);
        continue;
      }
      assert.equal(row.status, 'pending', row.destination_type);
      assert.ok(
        row.last_error && row.last_error.length > 3,
        `${row.destination_type} keeps the platform message`,
      );
      const destination = destinations.find((d) => d.type === row.destination_type)!;
      assert.equal(destination.status, 'needs_attention', row.destination_type);
      assert.equal(destination.last_error, row.last_error);
    }
  });
});

/**
 * A backlog: 2,500 Purchases (one shopper, one order each) queued by an API-only service, then drained by
 * one worker on the same database; `check` waits for and inspects what the fakes received.
 */
async function drainBacklog(
  destinations: Partial<Record<DestinationType, Record<string, unknown>>>,
  check: (fakes: FakePlatforms) => Promise<void>,
): Promise<void> {
  const fakes = await startFakePlatforms();
  const env = {
    ...fakes.urls,
    PROXY_RATE_LIMIT_PER_MINUTE: '0',
    PROXY_BODY_LIMIT_BYTES: String(4 * 1024 * 1024),
  };
  const api = await startTestService({ role: 'api', env });
  try {
    const tenant = await createTenant(api, { plan: 'enterprise', destinations });
    const base = purchaseEvent();
    for (let chunk = 0; chunk < 5; chunk += 1) {
      const events = Array.from({ length: 500 }, (_, i) => ({
        ...base,
        eventId: `batch-${chunk}-${i}`,
        // One order each: GA4 deduplicates purchases by transaction id.
        customData: { ...(base.customData as object), orderId: `O-${chunk}-${i}` },
      }));
      const res = await api.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: { events },
      });
      assert.equal(res.statusCode, 200);
    }
    // A worker on the same database finds all 2,500 queued.
    const worker = await startTestService({
      role: 'worker',
      env: { ...env, ...sameDatabaseEnv(api), DELIVERY_CONCURRENCY: '1' },
    });
    try {
      await check(fakes);
    } finally {
      await worker.close();
    }
  } finally {
    await api.destroy();
    await fakes.close();
  }
}

describe('batching: a 2,500-event backlog, in the right number of requests to each platform', () => {
  test('Meta: 1000 + 1000 + 500', async () => {
    await drainBacklog({ meta: GOOD.meta }, async (fakes) => {
      await eventually(async () => fakes.meta.accepted.length === 2500, 30_000);
      assert.deepEqual(
        fakes.meta.received.map((r) => (r.body as { data: unknown[] }).data.length),
        [1000, 1000, 500],
      );
    });
  });

  test('Microsoft: 1000 + 1000 + 500; GA4 (one shopper): 100 requests of 25', async () => {
    await drainBacklog({ ga4: GOOD.ga4, microsoft: GOOD.microsoft }, async (fakes) => {
      await eventually(
        async () => fakes.microsoft.accepted.length === 2500 && fakes.ga4.accepted.length === 2500,
        90_000,
      );
      assert.deepEqual(
        fakes.microsoft.received.map((r) => (r.body as { data: unknown[] }).data.length),
        [1000, 1000, 500],
      );
      // Every event is the same shopper's (one derived client id), so GA4's requests are full.
      const ga4Sizes = fakes.ga4.received.map((r) => (r.body as { events: unknown[] }).events.length);
      assert.equal(ga4Sizes.length, 100);
      assert.ok(
        ga4Sizes.every((size) => size === 25),
        JSON.stringify(ga4Sizes),
      );
      assert.equal(
        new Set(fakes.ga4.received.map((r) => (r.body as { client_id: string }).client_id)).size,
        1,
      );
      assert.ok(fakes.ga4.received.every((r) => r.note === undefined));
    });
  });
});
