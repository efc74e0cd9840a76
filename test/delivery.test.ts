import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { type FakePlatform, startFakeMeta } from '../src/dev/fakes/index.js';
import { validateAndSaveDestination } from '../src/management/domains/validate-and-save-destination.js';
import { attemptsOf } from '../src/storage/repos/deliveries.js';
import {
  createTenant,
  deliveryOfEvent,
  eventually,
  ManualClock,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from './harness.js';

/** The parts of a platform event the assertions read. */
interface SentEvent {
  [key: string]: unknown;
  user_data: Record<string, unknown>;
  custom_data: Record<string, unknown>;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const META = { pixelId: '1234567890', accessToken: 'EAAB-good-token-1234' };

describe('delivery to a fake Meta', () => {
  let fake: FakePlatform;
  let service: TestService;
  let tenant: Tenant;

  before(async () => {
    fake = await startFakeMeta({ validTokens: [META.accessToken, 'EAAB-new-token-5678'] });
    service = await startTestService({
      env: {
        META_GRAPH_URL: fake.url,
        PROXY_RATE_LIMIT_PER_MINUTE: '0',
        CIRCUIT_FAILURE_THRESHOLD: '3',
        // Wider than Meta's 7 days, so the stale-event test reaches the platform's limit (raised by a user
        // for Snapchat's 37 days or Google Ads' 63).
        EVENT_MAX_AGE_DAYS: '30',
        // Short, so the timeout test's hung request is cut off quickly.
        DELIVERY_TIMEOUT_MS: '300',
      },
    });
  });
  after(async () => {
    await service.destroy();
    await fake.close();
  });
  afterEach(() => fake.reset());

  const send = async (t: Tenant, events: Record<string, unknown>[]) => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(t),
      payload: { events },
    });
    assert.equal(res.statusCode, 200, res.body);
  };
  const deliveryOf = (eventId: string) => deliveryOfEvent(service, eventId);

  test('an event posted to /v1/events reaches the platform with the right payload; outcome recorded', async () => {
    tenant = await createTenant(service, { destinations: { meta: META } });
    const event = purchaseEvent({ eventId: 'order-1001' });
    await send(tenant, [event]);
    const delivered = await eventually(async () => {
      const d = await deliveryOf('order-1001');
      return d.status === 'delivered' ? d : undefined;
    });
    assert.equal(delivered.attempts, 1);
    assert.equal(delivered.last_status_code, 200);
    assert.equal(fake.accepted.length, 1);
    const sent = fake.accepted[0] as SentEvent;
    assert.equal(sent.event_name, 'Purchase');
    assert.equal(sent.event_id, 'order-1001');
    assert.equal(sent.action_source, 'website');
    assert.equal(sent.event_time, event.eventTime);
    assert.deepEqual(sent.user_data.em, [sha('jane.doe@example.com')]);
    assert.deepEqual(sent.user_data.ph, [sha('16505551212')]);
    assert.deepEqual(sent.user_data.fn, [sha('jane')]);
    assert.equal(sent.user_data.client_ip_address, '203.0.113.42');
    assert.equal(sent.user_data.fbc, 'fb.1.1700000000.AbCdEf');
    assert.equal(sent.custom_data.value, 49.99);
    assert.equal(sent.custom_data.currency, 'USD');
    assert.equal(sent.custom_data.order_id, 'T-12345');
    const request = fake.received[0]!;
    assert.equal(request.path, '/v21.0/1234567890/events');
    assert.equal(request.query.access_token, META.accessToken);
    // Personal data is erased once every delivery of the event is final.
    const row = await service.storage.db
      .selectFrom('events')
      .selectAll()
      .where('event_id', '=', 'order-1001')
      .executeTakeFirstOrThrow();
    assert.equal(row.pii_sealed, null);
    assert.equal(row.pii_slot, null, 'its entry in the sealed group released');
    assert.ok(row.pii_erased_at !== null);
    const trace = await attemptsOf(service.storage.db, delivered.id);
    assert.deepEqual(
      trace.map((a) => [a.attempt, a.outcome, a.status_code]),
      [[1, 'delivered', 200]],
    );
  });

  test('an event without a page URL is sent with the shop URL (Meta requires one for website events)', async () => {
    const { eventSourceUrl: _omit, ...event } = purchaseEvent({ eventId: 'no-url-1' });
    await send(tenant, [event]);
    await eventually(async () => (await deliveryOf('no-url-1')).status === 'delivered');
    const sent = fake.accepted.find((e) => e.event_id === 'no-url-1') as SentEvent;
    assert.equal(sent.event_source_url, 'https://shop.example.com');
  });

  test('500, 500, 200 → delivered on attempt 3', async () => {
    fake.enqueue({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    await send(tenant, [purchaseEvent({ eventId: 'retry-1' })]);
    const delivered = await eventually(async () => {
      const d = await deliveryOf('retry-1');
      return d.status === 'delivered' ? d : undefined;
    });
    assert.equal(delivered.attempts, 3);
    assert.equal(fake.received.length, 3);
    assert.equal(fake.accepted.length, 1);
    const trace = await attemptsOf(service.storage.db, delivered.id);
    assert.deepEqual(
      trace.map((a) => [a.outcome, a.status_code]),
      [
        ['retry', 500],
        ['retry', 500],
        ['delivered', 200],
      ],
    );
  });

  test('Meta’s throttle answers (HTTP 400, code 4 and code 17) are retried, then delivered', async () => {
    // Meta does not answer 429: rate limits come as HTTP 400 with Graph error code 4 (application) or 17
    // (user), the reference's throttling codes. Retry-After handling is covered by deliver-batch.test.ts.
    fake.enqueue({ kind: 'throttle', code: 4 }, { kind: 'throttle', code: 17 });
    await send(tenant, [purchaseEvent({ eventId: 'throttle-1' })]);
    const delivered = await eventually(async () => {
      const d = await deliveryOf('throttle-1');
      return d.status === 'delivered' ? d : undefined;
    });
    assert.equal(delivered.attempts, 3);
    const trace = await attemptsOf(service.storage.db, delivered.id);
    assert.deepEqual(
      trace.map((a) => [a.outcome, a.status_code]),
      [
        ['throttled', 400],
        ['throttled', 400],
        ['delivered', 200],
      ],
    );
    assert.match(trace[0]!.message ?? '', /code 4\b/);
    assert.match(trace[1]!.message ?? '', /code 17\b/);
    assert.deepEqual(
      fake.received.map((r) => r.response.status),
      [400, 400, 200],
    );
  });

  test('a platform that does not answer in time: a timeout attempt, retried later and delivered', async () => {
    fake.enqueue({ kind: 'hang', ms: 10_000 });
    await send(tenant, [purchaseEvent({ eventId: 'timeout-1' })]);
    const delivered = await eventually(async () => {
      const d = await deliveryOf('timeout-1');
      return d.status === 'delivered' ? d : undefined;
    });
    assert.equal(delivered.attempts, 2);
    const trace = await attemptsOf(service.storage.db, delivered.id);
    assert.deepEqual(
      trace.map((a) => [a.attempt, a.outcome, a.status_code]),
      [
        [1, 'timeout', null],
        [2, 'delivered', 200],
      ],
    );
    assert.match(trace[0]!.message ?? '', /no answer within 300 ms/);
    assert.deepEqual(
      fake.received.map((r) => r.injected ?? 'answered'),
      ['hang', 'answered'],
    );
    // The hung request had reached the platform: a timeout is "unknown", so the event goes again (the
    // platform deduplicates by event_id).
    assert.equal(fake.accepted.filter((e) => e.event_id === 'timeout-1').length, 2);
  });

  test('a dropped connection: a network attempt, retried and delivered', async () => {
    fake.enqueue({ kind: 'destroy' });
    await send(tenant, [purchaseEvent({ eventId: 'dropped-1' })]);
    const delivered = await eventually(async () => {
      const d = await deliveryOf('dropped-1');
      return d.status === 'delivered' ? d : undefined;
    });
    assert.equal(delivered.attempts, 2);
    const trace = await attemptsOf(service.storage.db, delivered.id);
    assert.deepEqual(
      trace.map((a) => [a.attempt, a.outcome, a.status_code]),
      [
        [1, 'network', null],
        [2, 'delivered', 200],
      ],
    );
    assert.deepEqual(
      fake.received.map((r) => r.injected ?? 'answered'),
      ['destroy', 'answered'],
    );
    assert.equal(fake.accepted.filter((e) => e.event_id === 'dropped-1').length, 1);
  });

  test('the same eventId twice → one delivery', async () => {
    const event = purchaseEvent({ eventId: 'dedup-7' });
    await send(tenant, [event]);
    await send(tenant, [event]);
    await eventually(async () => (await deliveryOf('dedup-7')).status === 'delivered');
    await service.worker!.drain();
    assert.equal(fake.accepted.filter((e) => e.event_id === 'dedup-7').length, 1);
  });

  test('an event older than Meta’s 7 days is rejected alone and does not fail the batch', async () => {
    const old = purchaseEvent({ eventId: 'old-1', eventTime: Math.floor(Date.now() / 1000) - 8 * 86400 });
    const fresh = purchaseEvent({ eventId: 'fresh-1' });
    await send(tenant, [old, fresh]);
    const oldDelivery = await eventually(async () => {
      const d = await deliveryOf('old-1');
      return d.status === 'failed' ? d : undefined;
    });
    assert.match(oldDelivery.last_error ?? '', /older than/);
    await eventually(async () => (await deliveryOf('fresh-1')).status === 'delivered');
    assert.deepEqual(
      fake.accepted.map((e) => e.event_id),
      ['fresh-1'],
    );
  });

  test('an open circuit holds the queue without burning attempts, and drains after a good probe', async () => {
    // Its own service on a manual clock: the open window is crossed by moving time, not by sleeping, and
    // "nothing was sent" is checked after the worker has looked at the queue (drain), not after a nap.
    const clock = new ManualClock(Date.now());
    const OPEN_MS = 60_000;
    const own = await startTestService({
      clock,
      env: {
        META_GRAPH_URL: fake.url,
        PROXY_RATE_LIMIT_PER_MINUTE: '0',
        CIRCUIT_FAILURE_THRESHOLD: '3',
        CIRCUIT_OPEN_MS: String(OPEN_MS),
        RETRY_BASE_MS: '100',
        RETRY_CAP_MS: '100',
      },
    });
    try {
      const t = await createTenant(own, { destinations: { meta: META } });
      const destinationId = t.destinations.meta!;
      const worker = own.worker!;
      const ownDelivery = async (eventId: string) =>
        own.storage.db
          .selectFrom('deliveries as d')
          .innerJoin('events as e', 'e.id', 'd.event_pk')
          .selectAll('d')
          .where('e.event_id', '=', eventId)
          .executeTakeFirstOrThrow();
      const post = async (eventId: string) => {
        const res = await own.app!.inject({
          method: 'POST',
          url: '/v1/events',
          headers: proxyHeaders(t),
          payload: { events: [purchaseEvent({ eventId })] },
        });
        assert.equal(res.statusCode, 200, res.body);
      };
      fake.enqueue(
        { kind: 'status', status: 503 },
        { kind: 'status', status: 503 },
        { kind: 'status', status: 503 },
      );
      await post('circuit-1');
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        await eventually(async () => (await ownDelivery('circuit-1')).attempts === attempt);
        // Past the backoff (≤ 100 ms) and Meta's request pacing (20 ms); time stands still otherwise.
        if (attempt < 3) clock.advance(1000);
      }
      assert.equal(worker.circuits.state(destinationId, clock.now()), 'open');

      // Open: a new event waits, nothing is sent, no attempt is counted — also 1 ms before the window ends.
      await post('circuit-2');
      clock.advance(1000);
      await worker.drain();
      clock.advance(OPEN_MS - 1000 - 1);
      await worker.drain();
      assert.equal(worker.circuits.state(destinationId, clock.now()), 'open');
      assert.equal(fake.received.length, 3);
      const held = await ownDelivery('circuit-2');
      assert.equal(held.status, 'pending');
      assert.equal(held.attempts, 0);
      assert.equal((await ownDelivery('circuit-1')).attempts, 3);

      // At the end of the window one probe goes through, succeeds, and the queue drains.
      clock.advance(1);
      await eventually(async () => (await ownDelivery('circuit-2')).status === 'delivered');
      assert.equal(worker.circuits.state(destinationId, clock.now()), 'closed');
      // The next request waits for Meta's pacing (20 ms of clock time).
      clock.advance(1000);
      await eventually(async () => (await ownDelivery('circuit-1')).status === 'delivered');
      assert.equal((await ownDelivery('circuit-2')).attempts, 1);
      assert.equal((await ownDelivery('circuit-1')).attempts, 4);
      // The probe carried one event; the rest followed once the circuit had closed.
      const sent = fake.received.map((r) =>
        (r.body as { data: { event_id: string }[] }).data.map((e) => e.event_id),
      );
      assert.deepEqual(sent.slice(0, 3), [['circuit-1'], ['circuit-1'], ['circuit-1']]);
      assert.deepEqual(sent.slice(3).flat().sort(), ['circuit-1', 'circuit-2']);
      assert.equal(fake.received.length, 5);
    } finally {
      await own.destroy();
    }
  });

  test('a rejected token holds the destination, the batch that met it included, and a fix sends them all', async () => {
    const t = await createTenant(service, {
      destinations: { meta: { ...META, accessToken: 'EAAB-revoked-0000' } },
    });
    await send(t, [purchaseEvent({ eventId: 'badtoken-1' })]);
    // The event that met the refusal is not at fault: it waits with the queue, its attempt recorded.
    const held = await eventually(async () => {
      const d = await deliveryOf('badtoken-1');
      return d.attempts === 1 ? d : undefined;
    });
    assert.equal(held.status, 'pending');
    assert.equal(held.final_at, null);
    assert.match(held.last_error ?? '', /token|OAuth|190/i);
    const destination = await service.storage.db
      .selectFrom('destinations')
      .selectAll()
      .where('id', '=', t.destinations.meta!)
      .executeTakeFirstOrThrow();
    assert.equal(destination.status, 'needs_attention');
    assert.ok(destination.last_error);
    // Held: the next event is not sent while the credentials are bad (checked after the worker has
    // looked at the queue, not after a sleep).
    await send(t, [purchaseEvent({ eventId: 'badtoken-2' })]);
    await service.worker!.drain();
    assert.equal(fake.received.length, 1);
    assert.equal((await deliveryOf('badtoken-2')).attempts, 0);
    // New credentials release the queue.
    const result = await validateAndSaveDestination(service.storage.db, service.sealer, {
      orgId: t.org.id,
      domainId: t.domain.id,
      type: 'meta',
      config: { ...META, accessToken: 'EAAB-new-token-5678' },
      now: Date.now(),
    });
    assert.ok(result.ok);
    await eventually(async () => (await deliveryOf('badtoken-2')).status === 'delivered');
    const first = await eventually(async () => {
      const d = await deliveryOf('badtoken-1');
      return d.status === 'delivered' ? d : undefined;
    });
    assert.equal(first.attempts, 2);
    // Its personal data went out with it: the sealed data was kept while it waited.
    const sent = fake.received.flatMap((r) => (r.body as { data: SentEvent[] }).data);
    const resent = sent.filter((e) => e.event_id === 'badtoken-1');
    assert.equal(resent.length, 2);
    assert.ok(resent[1]!.user_data.em, 'the held event was sent again without its hashed e-mail');
  });
});
