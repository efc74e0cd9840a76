/**
 * Issue 14 §1, as a deployment runs: two `serve --role api` and two `serve --role worker` processes on one
 * PostgreSQL schema and one Redis, the fake Meta behind them.
 * - 20,000 events in bulk requests across both API nodes while one worker is SIGKILLed mid-batch (the fake
 *   holds every answer, so batches are in flight) and one API node is restarted: every accepted event is
 *   stored once and delivered; the platform receives each event id, and receives one twice only if the killed
 *   worker had sent it before it died (Meta deduplicates those by event_id);
 * - a duplicate sent to the other node inside the dedup window is delivered once;
 * - rate limits (per API key) and the monthly quota hold in total, not per node;
 * - a revoked API key and a disabled destination stop working on the other node within one second.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { loadConfig } from '../../src/config.js';
import { type FakePlatform, startFakeMeta } from '../../src/dev/fakes/index.js';
import { type Service, startService } from '../../src/main.js';
import {
  createSession,
  createTenant,
  dialect,
  dropSchema,
  eventually,
  proxyHeaders,
  purchaseEvent,
  redisUrl,
  type Tenant,
  type TestSession,
  testEnv,
} from '../harness.js';
import { type ServeProcess, startServe } from '../processes.js';
import { bearer, createKey } from '../public-api/helpers.js';

const required = process.env.REQUIRE_SERVICES === '1';
const META = { pixelId: '1234567890', accessToken: 'EAAB-multi-node-1234' };
const EVENTS = 20_000;
const PER_REQUEST = 50;
const API_KEY_LIMIT = 8;
const FREE_QUOTA = 10;
const START_MS = 60_000;

const skip =
  dialect !== 'postgres'
    ? 'several nodes share PostgreSQL (this file runs in the PostgreSQL pass)'
    : !redisUrl && !required && 'Redis is not reachable (TEST_REDIS_URL)';

async function post(base: string, path: string, headers: Record<string, string>, body: unknown) {
  const res = await request(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as { error?: { code?: string } } };
}

async function call(
  base: string,
  method: 'GET' | 'PATCH' | 'DELETE',
  path: string,
  headers = {},
  body?: unknown,
) {
  const res = await request(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.statusCode, body: (await res.body.json()) as { error?: { code?: string } } };
}

/** Milliseconds until `check` holds, or fails after `limitMs`. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not within ${limitMs} ms`);
}

describe('two API nodes and two workers on one PostgreSQL and Redis', { skip }, () => {
  let fake: FakePlatform;
  let dataDir: string;
  let schema: string;
  let env: Record<string, string>;
  let control: Service;
  const processes: ServeProcess[] = [];
  /** The API nodes' addresses; a restarted node gets a new one. */
  const apis: string[] = [];

  before(async () => {
    assert.ok(redisUrl, 'REQUIRE_SERVICES=1 but TEST_REDIS_URL is empty: Redis is required');
    fake = await startFakeMeta({ validTokens: [META.accessToken] });
    dataDir = mkdtempSync(join(tmpdir(), 'tagbridge-nodes-'));
    schema = `t_${randomBytes(6).toString('hex')}`;
    env = testEnv(dataDir, {
      DATABASE_SCHEMA: schema,
      REDIS_URL: redisUrl,
      META_GRAPH_URL: fake.url,
      PROXY_RATE_LIMIT_PER_MINUTE: '0',
      API_RATE_LIMIT_PER_HOUR: String(API_KEY_LIMIT),
      PLAN_FREE_MONTHLY_REQUESTS: String(FREE_QUOTA),
      // A killed worker's leases are taken over after this.
      DELIVERY_LEASE_MS: '3000',
      DELIVERY_POLL_INTERVAL_MS: '50',
    });
    // The test's own node: creates the tenants, reads what the processes did (and runs the migrations once).
    control = await startService(loadConfig(env), { role: 'api', listen: false });
    // One after the other: four processes compiling at once on a busy machine start slower than that.
    for (const role of ['api', 'api', 'worker', 'worker'] as const) {
      processes.push(await startServe(role, env, START_MS));
    }
    apis.push(processes[0]!.address!, processes[1]!.address!);
  });
  after(async () => {
    for (const p of processes)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    await control?.close();
    await fake?.close();
    if (schema) await dropSchema(schema);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const countDeliveries = async (domainId: string, status?: string) => {
    let query = control.storage.db
      .selectFrom('deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_pk')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('e.domain_id', '=', domainId);
    if (status) query = query.where('d.status', '=', status as 'pending');
    return Number((await query.executeTakeFirstOrThrow()).n);
  };

  test('20,000 events across both API nodes, a worker SIGKILLed mid-batch, an API node restarted: every accepted event delivered, none lost', async (t) => {
    const tenant = await createTenant(control, { plan: 'enterprise', destinations: { meta: META } });
    // Every answer waits: the workers' batches are in flight when one of them is killed.
    fake.setDelay(150);
    const bodies = Array.from({ length: EVENTS / PER_REQUEST }, (_, r) => ({
      events: Array.from({ length: PER_REQUEST }, (_, i) =>
        purchaseEvent({ eventId: `bulk-${r * PER_REQUEST + i}` }),
      ),
    }));
    let sent = 0;
    let retried = 0;
    let down: number | null = null;
    /** Sends one request; a refused or failed one is sent again to the other node (dedup makes it safe). */
    const send = async (r: number): Promise<void> => {
      let node = r % 2;
      for (let attempt = 0; attempt < 20; attempt++) {
        if (node === down) node = 1 - node;
        try {
          const res = await post(apis[node]!, '/v1/events', proxyHeaders(tenant), bodies[r]);
          if (res.status === 200) return;
        } catch {}
        retried += 1;
        node = 1 - node;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`request ${r} was never accepted`);
    };
    const load = (async () => {
      const queue = bodies.map((_, r) => r);
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let r = queue.shift(); r !== undefined; r = queue.shift()) {
            await send(r);
            sent += 1;
          }
        }),
      );
    })();

    // Chaos while the load runs: one worker killed mid-batch, then one API node restarted.
    await eventually(async () => fake.received.length >= 2 && sent >= 60, 60_000);
    const [, , killed] = processes;
    killed!.child.kill('SIGKILL');
    await killed!.exited;
    const killedAt = Date.now();
    await eventually(async () => sent >= 200, 60_000);
    down = 1;
    processes[1]!.child.kill('SIGTERM');
    assert.equal(await processes[1]!.exited, 0, 'the API node stops gracefully');
    const restarted = await startServe('api', env, START_MS);
    processes.push(restarted);
    apis[1] = restarted.address!;
    down = null;
    await load;
    fake.setDelay(0);

    await eventually(async () => (await countDeliveries(tenant.domain.id, 'delivered')) === EVENTS, 90_000);
    assert.equal(await countDeliveries(tenant.domain.id), EVENTS, 'one delivery per event, none lost');
    const stored = await control.storage.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('domain_id', '=', tenant.domain.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.n), EVENTS, 'each event stored once (retried requests were duplicates)');

    // What the platform saw: every id; an id twice only if the killed worker had sent it before it died.
    const firstSeen = new Map<string, number>();
    const twice = new Set<string>();
    for (const req of fake.received) {
      const data = (req.body as { data?: Array<{ event_id: string }> } | null)?.data ?? [];
      for (const { event_id: id } of data) {
        if (!id.startsWith('bulk-')) continue;
        if (firstSeen.has(id)) twice.add(id);
        else firstSeen.set(id, req.at);
      }
    }
    assert.equal(firstSeen.size, EVENTS, 'every accepted event reached the platform');
    for (const id of twice) {
      assert.ok(firstSeen.get(id)! <= killedAt, `${id} was resent only because its worker was killed`);
    }
    t.diagnostic(
      `requests retried on the other node: ${retried}; event ids the platform got twice (resends of the killed worker's batches): ${twice.size}`,
    );
  });

  test('a duplicate sent to the other node inside the window is delivered once', async () => {
    const tenant = await createTenant(control, { destinations: { meta: META } });
    const event = purchaseEvent({ eventId: `dup-${randomBytes(3).toString('hex')}` });
    assert.equal((await post(apis[0]!, '/v1/events', proxyHeaders(tenant), { events: [event] })).status, 200);
    assert.equal((await post(apis[1]!, '/v1/events', proxyHeaders(tenant), { events: [event] })).status, 200);
    await eventually(async () => (await countDeliveries(tenant.domain.id, 'delivered')) === 1, 20_000);
    // Time for a second delivery to show up, were there one.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await countDeliveries(tenant.domain.id), 1);
    assert.equal(fake.accepted.filter((e) => e.event_id === event.eventId).length, 1);
  });

  test('rate limits and quotas hold in total, not per node', async () => {
    const tenant = await createTenant(control, { plan: 'pro' });
    const { key } = await createKey(control, tenant.org.id);
    const statuses: number[] = [];
    for (let i = 0; i < API_KEY_LIMIT + 4; i++) {
      statuses.push((await call(apis[i % 2]!, 'GET', '/api/v1/events', bearer(key))).status);
    }
    assert.deepEqual(statuses, [...Array(API_KEY_LIMIT).fill(200), 429, 429, 429, 429]);

    const free = await createTenant(control, { plan: 'free' });
    const answers: string[] = [];
    for (let i = 0; i < FREE_QUOTA + 6; i++) {
      const res = await post(apis[i % 2]!, '/v1/events', proxyHeaders(free), { events: [purchaseEvent()] });
      answers.push(res.status === 200 ? 'ok' : `${res.status} ${res.body.error?.code}`);
    }
    assert.deepEqual(answers, [
      ...Array(FREE_QUOTA).fill('ok'),
      ...Array(6).fill('429 request_limit_exceeded'),
    ]);
    const usage = await control.storage.db
      .selectFrom('usage_daily')
      .select((eb) => eb.fn.sum<number>('requests').as('n'))
      .where('org_id', '=', free.org.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(usage.n), FREE_QUOTA);
  });

  test('a revoked API key and a disabled destination stop working on the other node within one second', async (t) => {
    const tenant: Tenant = await createTenant(control, { destinations: { meta: META } });
    const owner: TestSession = await createSession(control, { orgId: tenant.org.id, role: 'owner' });
    const { key, id } = await createKey(control, tenant.org.id);
    assert.equal((await call(apis[1]!, 'GET', '/api/v1/events', bearer(key))).status, 200);
    assert.equal((await call(apis[0]!, 'DELETE', `/v1/org/api-keys/${id}`, owner.headers)).status, 200);
    const keyTook = await within(1000, async () => {
      return (await call(apis[1]!, 'GET', '/api/v1/events', bearer(key))).status === 401;
    });

    // Node B holds the domain context with the destination enabled (its TTL is 5 s).
    const warm = await post(apis[1]!, '/v1/events', proxyHeaders(tenant), { events: [purchaseEvent()] });
    assert.equal(warm.status, 200);
    assert.equal(await countDeliveries(tenant.domain.id), 1);
    const destinationId = tenant.destinations.meta!;
    const disabled = await call(
      apis[0]!,
      'PATCH',
      `/v1/domains/${tenant.domain.id}/destinations/${destinationId}`,
      owner.headers,
      { enabled: false },
    );
    assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
    let n = 0;
    const destinationTook = await within(1000, async () => {
      const eventId = `after-disable-${n++}`;
      const res = await post(apis[1]!, '/v1/events', proxyHeaders(tenant), {
        events: [purchaseEvent({ eventId })],
      });
      assert.equal(res.status, 200);
      const rows = await control.storage.db
        .selectFrom('deliveries as d')
        .innerJoin('events as e', 'e.id', 'd.event_pk')
        .select('d.id')
        .where('e.event_id', '=', eventId)
        .execute();
      return rows.length === 0;
    });
    t.diagnostic(`revoked key refused after ${keyTook} ms, disabled destination after ${destinationTook} ms`);
  });
});
