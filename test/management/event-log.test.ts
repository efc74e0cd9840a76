/**
 * The event log and replay: ~300 events from three ingest paths, filters, keyset pagination while new
 * events keep arriving (no duplicates, none skipped), per-destination outcomes with attempt traces, no
 * personal data in any answer, and replay scoped to the org.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/lib/ids.js';
import {
  createSession,
  createTenant,
  ManualClock,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
} from '../harness.js';

const NAMES = ['Purchase', 'AddToCart', 'PageVisit', 'ViewContent', 'Search'] as const;
const PERSONAL = [
  'Jane.Doe@Example.com',
  'jane.doe@example.com',
  '555-1212',
  '203.0.113.42',
  'Menlo Park',
  // The zip as a whole JSON string: the bare digits can occur by chance inside a timestamp or an id.
  '"94025"',
];

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read field by field
  body: any;
}

describe('event log and replay', () => {
  const clock = new ManualClock(Date.now() - 3600_000);
  let service: TestService;
  let tenant: Tenant;
  let other: Tenant;
  let viewer: TestSession;
  let member: TestSession;
  const startedAt = clock.now();
  /** received_at of each ingest request, in order. */
  const batches: number[] = [];
  /** Events received before this are the seeded ones (the paging test adds more). */
  let seededUntil = 0;

  const send = async (t: Tenant, events: Record<string, unknown>[]) => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(t),
      payload: { events },
    });
    assert.equal(res.statusCode, 200, res.body);
  };

  const get = async (session: TestSession, url: string): Promise<Reply> => {
    const res = await service.app!.inject({ method: 'GET', url, headers: session.headers });
    return { status: res.statusCode, body: res.json() };
  };
  const replay = async (session: TestSession, payload: unknown): Promise<Reply> => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/org/events/replay',
      headers: session.headers,
      payload: payload as Record<string, unknown>,
    });
    return { status: res.statusCode, body: res.json() };
  };

  before(async () => {
    service = await startTestService({
      role: 'api',
      clock,
      env: { PROXY_RATE_LIMIT_PER_MINUTE: '0', MANAGEMENT_RATE_LIMIT_PER_MINUTE: '10000' },
    });
    const destinations = {
      meta: { pixelId: '1234567890', accessToken: 'EAAB-token-1234' },
      tiktok: { pixelCode: 'CTIK123ABC', accessToken: 'tt-token-5678' },
    };
    tenant = await createTenant(service, { destinations });
    other = await createTenant(service, { destinations });
    viewer = await createSession(service, { orgId: tenant.org.id, role: 'viewer' });
    member = await createSession(service, { orgId: tenant.org.id, role: 'member' });
    // 30 proxy requests of 9 events (events of one request share received_at: ties on the cursor's first key).
    for (let b = 0; b < 30; b += 1) {
      clock.advance(1000);
      batches.push(clock.now());
      await send(
        tenant,
        Array.from({ length: 9 }, (_, i) =>
          purchaseEvent({
            eventName: NAMES[(b * 9 + i) % NAMES.length],
            eventId: `evt-${b}-${i}`,
            eventTime: Math.floor(clock.now() / 1000) - 5,
            customData: { currency: 'EUR', value: b * 10 + i, orderId: `O-${b}-${i}` },
          }),
        ),
      );
    }
    clock.advance(1000);
    // 20 PMW passthrough events and 10 from the plugin's backend.
    for (let i = 0; i < 20; i += 1) {
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/pmw-events',
        headers: proxyHeaders(tenant),
        payload: {
          event: 'add_to_cart',
          facebook: {
            event_name: 'AddToCart',
            event_id: `pmw_${i}`,
            event_time: Math.floor(clock.now() / 1000),
          },
        },
      });
      assert.equal(res.statusCode, 200, res.body);
    }
    clock.advance(1000);
    const sync = await service.app!.inject({
      method: 'POST',
      url: '/v1/sync/purchase-events',
      headers: { authorization: `Bearer ${tenant.syncToken}` },
      payload: {
        events: Array.from({ length: 10 }, (_, i) =>
          purchaseEvent({ eventId: `sync-${i}`, eventTime: Math.floor(clock.now() / 1000) }),
        ),
      },
    });
    assert.equal(sync.statusCode, 200, sync.body);
    await send(other, [
      purchaseEvent({ eventId: 'other-org-event', eventTime: Math.floor(clock.now() / 1000) }),
    ]);

    // Outcomes, as the worker would record them: meta of the first 5 batches failed (bad token, 2 attempts),
    // tiktok of batch 6 dead, meta of batch 7 delivered.
    const { db } = service.storage;
    const metaRows = await db
      .selectFrom('deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_pk')
      .select(['d.id', 'e.event_id', 'd.destination_type'])
      .where('d.domain_id', '=', tenant.domain.id)
      .execute();
    const outcome = async (ids: string[], status: string, code: number | null, message: string | null) => {
      if (ids.length === 0) return;
      await db
        .updateTable('deliveries')
        .set({ status, attempts: 2, last_status_code: code, last_error: message, final_at: clock.now() })
        .where('id', 'in', ids)
        .execute();
      for (const id of ids) {
        await db
          .insertInto('delivery_attempts')
          .values([
            {
              id: newId('att'),
              delivery_id: id,
              attempt: 1,
              at: clock.now() - 500,
              status_code: 503,
              outcome: 'retry',
              message: 'Service unavailable',
            },
            {
              id: newId('att'),
              delivery_id: id,
              attempt: 2,
              at: clock.now(),
              status_code: code,
              outcome: status === 'delivered' ? 'delivered' : 'rejected',
              message,
            },
          ])
          .execute();
      }
    };
    const pick = (batch: (b: number) => boolean, type: string) =>
      metaRows
        .filter((r) => r.destination_type === type && /^evt-\d+-\d+$/.test(r.event_id))
        .filter((r) => batch(Number(r.event_id.split('-')[1])))
        .map((r) => r.id);
    await outcome(
      pick((b) => b < 5, 'meta'),
      'failed',
      401,
      'Invalid OAuth 2.0 Access Token',
    );
    await outcome(
      pick((b) => b === 6, 'tiktok'),
      'dead',
      500,
      'Internal error (retry horizon reached)',
    );
    await outcome(
      pick((b) => b === 7, 'meta'),
      'delivered',
      200,
      null,
    );
    seededUntil = clock.now() + 1;
  });
  after(() => service.destroy());

  const all = async (
    session: TestSession,
    query: string,
    limit = 50,
  ): Promise<Array<Record<string, unknown>>> => {
    const out: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    do {
      const res: Reply = await get(
        session,
        `/v1/org/events?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      out.push(...res.body.events);
      cursor = res.body.nextCursor;
    } while (cursor);
    return out;
  };

  test('pages over all ~300 events newest first while new ones arrive: none repeated, none skipped', async () => {
    const expected = await service.storage.db
      .selectFrom('events')
      .select('id')
      .where('org_id', '=', tenant.org.id)
      .execute();
    assert.equal(expected.length, 300);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Reply = await get(viewer, `/v1/org/events?limit=37${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      seen.push(...res.body.events.map((e: { id: string }) => e.id));
      cursor = res.body.nextCursor;
      pages += 1;
      // Concurrent ingest between pages: these land above the first page.
      clock.advance(10);
      await send(tenant, [
        purchaseEvent({ eventId: `during-paging-${pages}`, eventTime: Math.floor(clock.now() / 1000) }),
      ]);
    } while (cursor);
    assert.equal(pages, Math.ceil(300 / 37));
    assert.equal(new Set(seen).size, seen.length, 'no duplicates');
    assert.deepEqual([...seen].sort(), expected.map((e) => e.id).sort(), 'every event exactly once');
    const again = await all(viewer, '', 200);
    assert.equal(again.length, 300 + pages);
    const times = again.map((e) => Date.parse(e.receivedAt as string));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );
    assert.ok(!again.some((e) => e.eventId === 'other-org-event'), 'only the session’s org');
  });

  test('each event: commerce data as sent, match key names, outcomes with traces — no personal data', async () => {
    const res = await get(
      viewer,
      '/v1/org/events?limit=200&source=PROXY&outcome=failed&destinationType=meta',
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.events.length, 45);
    const event = res.body.events.find((e: { eventId: string }) => e.eventId === 'evt-0-3');
    assert.deepEqual(event.customData, { currency: 'EUR', value: 3, orderId: 'O-0-3' });
    assert.deepEqual(event.matchKeys, [
      'email',
      'phone',
      'firstName',
      'lastName',
      'city',
      'state',
      'zip',
      'country',
      'ipAddress',
      'userAgent',
      'fbc',
      'fbp',
    ]);
    assert.equal(event.personalData, 'sealed');
    assert.equal(event.eventSourceUrl, 'https://shop.example.com/checkout/order-received/123/');
    assert.equal(event.domain.host, tenant.domain.host);
    const meta = event.deliveries.find((d: { destinationType: string }) => d.destinationType === 'meta');
    assert.equal(meta.status, 'failed');
    assert.equal(meta.attempts, 2);
    assert.equal(meta.lastStatusCode, 401);
    assert.equal(meta.lastError, 'Invalid OAuth 2.0 Access Token');
    assert.deepEqual(
      meta.trace.map((a: { attempt: number; outcome: string; statusCode: number }) => [
        a.attempt,
        a.outcome,
        a.statusCode,
      ]),
      [
        [1, 'retry', 503],
        [2, 'rejected', 401],
      ],
    );
    const tiktok = event.deliveries.find((d: { destinationType: string }) => d.destinationType === 'tiktok');
    assert.equal(tiktok.status, 'pending');
    assert.ok(tiktok.nextAttemptAt);
    const everything = JSON.stringify(await all(viewer, '', 200));
    for (const value of PERSONAL) assert.ok(!everything.includes(value), `no "${value}" in the event log`);
  });

  test('filters: event name, source, outcome, destination type, domain, time range', async () => {
    const seeded = `&to=${new Date(seededUntil).toISOString()}`;
    const count = async (query: string) => (await all(viewer, `${query}${seeded}`, 200)).length;
    const proxied = 270;
    assert.equal(await count('&eventName=Purchase&source=PROXY'), proxied / NAMES.length);
    assert.equal(await count('&source=PMW'), 20);
    assert.equal(await count('&source=SYNC'), 10);
    assert.equal(await count('&outcome=dead'), 9);
    assert.equal(await count('&outcome=dead&destinationType=meta'), 0);
    assert.equal(await count('&outcome=delivered&destinationType=meta'), 9);
    assert.equal(await count('&outcome=failed&eventName=Purchase'), 9);
    assert.equal(await count('&destinationType=tiktok&source=PMW'), 0, 'pmw events without a tiktok member');
    assert.equal(await count(`&domainId=${tenant.domain.id}&source=PROXY`), proxied);
    const from = new Date(batches[10]!).toISOString();
    const to = new Date(batches[20]!).toISOString();
    const window = await all(viewer, `&from=${from}&to=${to}`, 200);
    assert.equal(window.length, 90, 'batches 10 to 19');
    assert.ok(window.every((e) => /^evt-1\d-\d$/.test(e.eventId as string)));
    assert.ok(Date.parse(from) > startedAt);
  });

  test('query validation; another org’s domain is not_found', async () => {
    const bad = [
      '?cursor=bm90LWEtY3Vyc29y',
      '?limit=500',
      '?outcome=lost',
      '?source=EMAIL',
      '?eventName=Refund',
      '?from=yesterday',
      `?from=${new Date(batches[5]!).toISOString()}&to=${new Date(batches[1]!).toISOString()}`,
      '?orgId=org_x',
    ];
    for (const query of bad) {
      const res = await get(viewer, `/v1/org/events${query}`);
      assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'validation_failed');
    }
    const foreign = await get(viewer, `/v1/org/events?domainId=${other.domain.id}`);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, 'not_found');
  });

  test('replay: failed/dead deliveries chosen by filters or ids, scoped to the org; member+', async () => {
    const { db } = service.storage;
    const status = async (ids: string[]) =>
      (await db.selectFrom('deliveries').select('status').where('id', 'in', ids).execute()).map(
        (r) => r.status,
      );

    assert.equal((await replay(viewer, { filters: {} })).status, 403);
    const nothing = await replay(member, {});
    assert.equal(nothing.status, 400);
    assert.equal((await replay(member, { filters: { outcome: 'delivered' } })).status, 400);
    assert.equal((await replay(member, { filters: {}, orgId: other.org.id })).status, 400);

    const otherDelivery = await db
      .selectFrom('deliveries')
      .selectAll()
      .where('org_id', '=', other.org.id)
      .executeTakeFirstOrThrow();
    await db.updateTable('deliveries').set({ status: 'failed' }).where('id', '=', otherDelivery.id).execute();
    const foreign = await replay(member, { deliveryIds: [otherDelivery.id] });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, 'not_found');
    assert.deepEqual(await status([otherDelivery.id]), ['failed'], 'untouched');
    assert.equal((await replay(member, { filters: { domainId: other.domain.id } })).status, 404);
    assert.equal((await replay(member, { eventIds: [otherDelivery.event_pk] })).status, 404);

    // One failed event lost its personal data already: it cannot be rebuilt.
    const failed = await db
      .selectFrom('deliveries')
      .select(['id', 'event_pk'])
      .where('org_id', '=', tenant.org.id)
      .where('status', '=', 'failed')
      .orderBy('id')
      .execute();
    assert.equal(failed.length, 45);
    await db
      .updateTable('events')
      .set({ pii_sealed: null, pii_slot: null, pii_erased_at: clock.now() })
      .where('id', '=', failed[0]!.event_pk)
      .execute();

    const byId = await replay(member, { deliveryIds: [failed[1]!.id] });
    assert.equal(byId.status, 200, JSON.stringify(byId.body));
    assert.deepEqual(byId.body, { matched: 1, replayed: 1, unavailable: 0 });
    assert.deepEqual(await status([failed[1]!.id]), ['pending']);

    const byFilter = await replay(member, {
      filters: { outcome: 'failed', destinationType: 'meta', source: 'PROXY' },
    });
    assert.equal(byFilter.status, 200);
    assert.deepEqual(byFilter.body, { matched: 44, replayed: 43, unavailable: 1 });
    assert.deepEqual(await status([failed[0]!.id]), ['failed']);

    const dead = await replay(member, { filters: { outcome: 'dead' } });
    assert.deepEqual(dead.body, { matched: 9, replayed: 9, unavailable: 0 });
    const again = await replay(member, { filters: {} });
    assert.deepEqual(again.body, { matched: 1, replayed: 0, unavailable: 1 });
    assert.deepEqual(await status([otherDelivery.id]), ['failed'], 'the other org’s failure stays');
    const audited = await db
      .selectFrom('audit_log')
      .select('action')
      .where('org_id', '=', tenant.org.id)
      .where('action', '=', 'events.replay')
      .execute();
    assert.equal(audited.length, 4);
  });
});
