/**
 * The ingest routes' byte budget (INGEST_MAX_INFLIGHT_BYTES, src/http/ingest-budget.ts): what requests hold
 * while their group commits is bounded, not multiplied by the open connections. Real sockets, because the
 * budget is given back when a connection closes. Each group waits GROUP_COMMIT_TEST_DELAY_MS before it
 * commits, so a request holds its share for that long.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import {
  createTenant,
  eventually,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from '../harness.js';

const BUDGET = 2_000;

/** A /v1/events body of one event, padded to about `bytes` with a customData field. */
function body(eventId: string, bytes = 1_200): string {
  const event = purchaseEvent({ eventId });
  const base = JSON.stringify({ events: [event] }).length;
  (event.customData as Record<string, unknown>).note = 'x'.repeat(Math.max(0, bytes - base - 10));
  return JSON.stringify({ events: [event] });
}

async function gauge(service: TestService, name: string): Promise<number> {
  const metric = await service.metrics.registry.getSingleMetric(name)!.get();
  return metric.values[0]?.value ?? 0;
}

async function storedEventIds(service: TestService): Promise<string[]> {
  const rows = await service.storage.db.selectFrom('events').select('event_id').execute();
  return rows.map((row) => row.event_id).sort();
}

describe('ingest byte budget', () => {
  let service: TestService;
  let tenant: Tenant;
  let url: string;
  // undici's request, not fetch: fetch drops the Host header, which names the domain.
  const post = (text: string) =>
    request(url, { method: 'POST', headers: proxyHeaders(tenant), body: text }).then(async (res) => ({
      status: res.statusCode,
      text: await res.body.text(),
      at: performance.now(),
    }));

  before(async () => {
    service = await startTestService({
      role: 'api',
      listen: true,
      env: {
        INGEST_MAX_INFLIGHT_BYTES: String(BUDGET),
        GROUP_COMMIT_TEST_DELAY_MS: '300',
        PROXY_RATE_LIMIT_PER_MINUTE: '0',
      },
    });
    tenant = await createTenant(service);
    url = `${service.address}/v1/events`;
  });
  after(() => service.destroy());

  // A share never given back makes the next request wait for ever: a timeout turns that into a failure.
  const limits = { timeout: 30_000 };

  test('a request waits while the budget is spent, and goes once it is given back', limits, async () => {
    const first = post(body('budget-a'));
    await eventually(async () => (await gauge(service, 'tagbridge_ingest_inflight_bytes')) > 0);
    const second = post(body('budget-b'));
    await eventually(async () => (await gauge(service, 'tagbridge_ingest_waiting_requests')) === 1);
    // Other routes do not wait for it.
    const health = await fetch(`${service.address}/health`);
    assert.equal(health.status, 200);

    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.status, 200, a.text);
    assert.equal(b.status, 200, b.text);
    assert.ok(b.at >= a.at, 'the second request was answered after the first');
    assert.deepEqual(await storedEventIds(service), ['budget-a', 'budget-b']);
    assert.equal(await gauge(service, 'tagbridge_ingest_waiting_requests'), 0);
    assert.equal(await gauge(service, 'tagbridge_ingest_inflight_bytes'), 0);
  });

  test(
    'a client that leaves while it waits takes nothing: its event is not stored, later requests go',
    limits,
    async () => {
      const first = post(body('leave-a'));
      await eventually(async () => (await gauge(service, 'tagbridge_ingest_inflight_bytes')) > 0);
      const text = body('leave-gone');
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      socket.on('error', () => {});
      const headers = Object.entries(proxyHeaders(tenant))
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(
        `POST /v1/events HTTP/1.1\r\n${headers}content-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
      await eventually(async () => (await gauge(service, 'tagbridge_ingest_waiting_requests')) === 1);
      socket.destroy();
      await eventually(async () => (await gauge(service, 'tagbridge_ingest_waiting_requests')) === 0);

      assert.equal((await first).status, 200);
      // Were its share still taken, this one (1,200 + 1,200 > 2,000) would wait forever.
      const later = await post(body('leave-b'));
      assert.equal(later.status, 200, later.text);
      const ids = await storedEventIds(service);
      assert.ok(ids.includes('leave-a') && ids.includes('leave-b'));
      assert.ok(!ids.includes('leave-gone'), 'a request that left while waiting was never parsed or stored');
      assert.equal(await gauge(service, 'tagbridge_ingest_inflight_bytes'), 0);
    },
  );

  test('a body larger than the whole budget still goes, alone', limits, async () => {
    const large = await post(body('budget-large', 5_000));
    assert.equal(large.status, 200, large.text);
    assert.ok((await storedEventIds(service)).includes('budget-large'));
    assert.equal(await gauge(service, 'tagbridge_ingest_inflight_bytes'), 0);
  });
});
