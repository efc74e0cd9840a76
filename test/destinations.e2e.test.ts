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
} satisfies Partial<Record<DestinationType, Record<string, unknown>>>;
type Covered = keyof typeof GOOD;
const TYPES = Object.keys(GOOD) as Covered[];
const withToken = (type: Covered, accessToken: string) => ({ ...GOOD[type], accessToken });

describe('every platform end to end: /v1/events → delivery → fake platform', () => {
  let fakes: FakePlatforms;
  let service: TestService;
  let tenant: Tenant;

  before(async () => {
    fakes = await startFakePlatforms({ validTokens: TYPES.map((t) => GOOD[t].accessToken as string) });
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
      .select(['d.destination_type', 'd.status', 'd.last_error', 'd.last_status_code'])
      .where('e.event_id', '=', eventId)
      .execute();

  test('a rich Purchase is accepted by all five fakes, hashed as each requires', async () => {
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
            },
          }),
        ],
      },
    });
    assert.equal(res.statusCode, 200);
    const rows = await eventually(async () => {
      const r = await statuses('e2e-order-1');
      return r.length === 5 && r.every((d) => d.status !== 'pending') ? r : undefined;
    });
    for (const row of rows)
      assert.equal(row.status, 'delivered', `${row.destination_type}: ${row.last_error}`);
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
      return r.length === 5 && r.every((d) => d.status !== 'pending') ? r : undefined;
    });
    for (const row of await statuses('e2e-numeric-id'))
      assert.equal(row.status, 'delivered', `${row.destination_type}: ${row.last_error}`);
    const meta = (
      fakes.meta.accepted as Array<{ event_id: string; user_data: { external_id: string[] } }>
    ).find((e) => e.event_id === 'e2e-numeric-id')!;
    assert.deepEqual(meta.user_data.external_id, [sha('4711')]);
  });

  test('an invalid access token marks each destination needs_attention with the platform’s message on the outcome', async () => {
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
    const rows = await eventually(async () => {
      const r = await statuses('e2e-badtoken');
      return r.length === 5 && r.every((d) => d.status !== 'pending') ? r : undefined;
    });
    const destinations = await service.storage.db
      .selectFrom('destinations')
      .select(['type', 'status', 'last_error'])
      .where('domain_id', '=', bad.domain.id)
      .execute();
    for (const row of rows) {
      assert.equal(row.status, 'failed', row.destination_type);
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

describe('batching: 2,500 events to Meta arrive as 3 requests', () => {
  test('1000 + 1000 + 500', async () => {
    const fakes = await startFakePlatforms();
    const env = {
      ...fakes.urls,
      PROXY_RATE_LIMIT_PER_MINUTE: '0',
      PROXY_BODY_LIMIT_BYTES: String(4 * 1024 * 1024),
    };
    const api = await startTestService({ role: 'api', env });
    try {
      const tenant = await createTenant(api, { plan: 'enterprise', destinations: { meta: GOOD.meta } });
      const base = purchaseEvent();
      for (let chunk = 0; chunk < 5; chunk += 1) {
        const events = Array.from({ length: 500 }, (_, i) => ({ ...base, eventId: `batch-${chunk}-${i}` }));
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
        env: {
          ...env,
          ...sameDatabaseEnv(api),
          DELIVERY_CONCURRENCY: '1',
        },
      });
      try {
        await eventually(async () => fakes.meta.accepted.length === 2500, 30_000);
        assert.deepEqual(
          fakes.meta.received.map((r) => (r.body as { data: unknown[] }).data.length),
          [1000, 1000, 500],
        );
      } finally {
        await worker.close();
      }
    } finally {
      await api.destroy();
      await fakes.close();
    }
  });
});
