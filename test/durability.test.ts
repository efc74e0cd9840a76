import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { loadConfig } from '../src/config.js';
import { type FakePlatform, startFakeMeta } from '../src/dev/fakes/index.js';
import { type Service, startService } from '../src/main.js';
import { OutboxThread } from '../src/storage/outbox-thread.js';
import {
  createTenant,
  dialect,
  dropSchema,
  eventually,
  proxyHeaders,
  purchaseEvent,
  type Tenant,
  testEnv,
} from './harness.js';
import { startServe } from './processes.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-good-token-1234' };

describe('no accepted event is lost when a process is killed', () => {
  let fake: FakePlatform;
  let dataDir: string;
  let env: Record<string, string>;
  let schema: string | null = null;
  let control: Service;
  let tenant: Tenant;

  before(async () => {
    fake = await startFakeMeta({ validTokens: [META.accessToken] });
    dataDir = mkdtempSync(join(tmpdir(), 'tagbridge-kill-'));
    schema = dialect === 'postgres' ? `t_${randomBytes(6).toString('hex')}` : null;
    env = testEnv(dataDir, {
      META_GRAPH_URL: fake.url,
      PROXY_RATE_LIMIT_PER_MINUTE: '0',
      DELIVERY_LEASE_MS: '1000',
      ...(schema ? { DATABASE_SCHEMA: schema } : {}),
    });
    // The processes run with the production default (synchronous=FULL), not the harness's NORMAL.
    delete env.SQLITE_SYNCHRONOUS;
    // The test's own handle on the same database: creates the tenant, then reads what the children did.
    control = await startService(loadConfig(env), { role: 'api', listen: false });
    tenant = await createTenant(control, { destinations: { meta: META } });
  });
  after(async () => {
    await control.close();
    await fake.close();
    if (schema) await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const deliveryStatuses = async (eventIds: string[]) =>
    control.storage.db
      .selectFrom('deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_pk')
      .select(['e.event_id', 'd.status', 'd.attempts'])
      .where('e.event_id', 'in', eventIds)
      .execute();

  const leaseRows = async (eventIds: string[]) =>
    control.storage.db
      .selectFrom('deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_pk')
      .select(['d.status', 'd.attempts', 'd.lease_owner', 'd.lease_expires_at', 'd.next_attempt_at'])
      .where('e.event_id', 'in', eventIds)
      .execute();

  /** Event ids in the requests the fake received since `at` (only a live worker can have sent them). */
  const sentSince = (at: number): string[] =>
    fake.received
      .filter((r) => r.at >= at)
      .flatMap((r) => (r.body as { data?: { event_id?: string }[] } | null)?.data ?? [])
      .map((e) => e.event_id ?? '');

  test('a server killed with SIGKILL right after answering success: the event is stored and delivered after restart', async () => {
    // The default durability setting is what runs here.
    assert.equal(loadConfig(env).sqliteSynchronous, 'FULL');
    if (dialect === 'sqlite') {
      // The same openStorage as the children: FULL is what the connection really uses (2 = FULL).
      assert.equal(control.storage.sqlite?.pragma('synchronous', { simple: true }), 2);
      // And the writer thread's connection, which commits the events, too.
      assert.ok(control.outbox instanceof OutboxThread);
      assert.equal(await control.outbox.synchronous(), 2);
    }
    // The fault point: every group waits COMMIT_DELAY_MS before its commit starts. A server that answered
    // before its commit would answer at once, and the SIGKILL below would always land before the commit.
    const COMMIT_DELAY_MS = 1000;
    const api = await startServe('api', { ...env, GROUP_COMMIT_TEST_DELAY_MS: String(COMMIT_DELAY_MS) });
    const eventId = `kill-api-${randomBytes(3).toString('hex')}`;
    const started = Date.now();
    const res = await request(`${api.address}/v1/events`, {
      method: 'POST',
      headers: proxyHeaders(tenant),
      body: JSON.stringify({ events: [purchaseEvent({ eventId })] }),
    });
    assert.equal(res.statusCode, 200);
    api.child.kill('SIGKILL');
    const answeredAfter = Date.now() - started;
    await api.exited;
    assert.deepEqual(await res.body.json(), { success: true });

    const rows = await deliveryStatuses([eventId]);
    assert.deepEqual(
      rows.map((r) => r.status),
      ['pending'],
      'the answered event survived the SIGKILL',
    );
    assert.ok(answeredAfter >= COMMIT_DELAY_MS, `answered after ${answeredAfter} ms, before the commit`);

    const worker = await startServe('worker', env);
    try {
      await eventually(async () => (await deliveryStatuses([eventId]))[0]?.status === 'delivered', 20_000);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    assert.equal(fake.accepted.filter((e) => e.event_id === eventId).length, 1);
  });

  test('a worker killed with SIGKILL mid-batch: after restart every event is delivered (at least once)', async () => {
    fake.reset();
    const ids = Array.from({ length: 40 }, (_, i) => `kill-wrk-${i}-${randomBytes(3).toString('hex')}`);
    const res = await control.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: ids.map((eventId) => purchaseEvent({ eventId })) },
    });
    assert.equal(res.statusCode, 200);

    // The platform hangs: the worker's batch is in flight when it dies.
    fake.setDelay(3000);
    const first = await startServe('worker', env);
    await eventually(async () => fake.received.length >= 1, 20_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const leased = await deliveryStatuses(ids);
    assert.ok(
      leased.every((r) => r.status === 'pending'),
      'nothing was recorded by the killed worker',
    );

    fake.setDelay(0);
    // The killed worker's hung request already reached the fake; only requests from now on count.
    const restartedAt = Date.now();
    const second = await startServe('worker', env);
    try {
      await eventually(async () => {
        const rows = await deliveryStatuses(ids);
        return rows.length === ids.length && rows.every((r) => r.status === 'delivered');
      }, 30_000);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    const seen = new Set(sentSince(restartedAt));
    for (const id of ids) assert.ok(seen.has(id), `${id} reached the platform from the restarted worker`);
  });

  test('SIGTERM is graceful: the worker gives its leases back at once, exits 0, and the next worker delivers', async () => {
    fake.reset();
    const ids = Array.from({ length: 5 }, (_, i) => `term-${i}-${randomBytes(3).toString('hex')}`);
    await control.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: ids.map((eventId) => purchaseEvent({ eventId })) },
    });
    // The platform does not answer: the batch is still in flight when SIGTERM arrives. A long lease, so
    // only the release (not its expiry) can free the rows in this test's time.
    fake.setDelay(60_000);
    const worker = await startServe('worker', {
      ...env,
      DELIVERY_LEASE_MS: '60000',
      SHUTDOWN_GRACE_MS: '100',
      DELIVERY_TIMEOUT_MS: '3000',
    });
    await eventually(async () => fake.received.length >= 1, 20_000);
    const leased = await leaseRows(ids);
    assert.ok(
      leased.every((r) => r.lease_owner !== null && r.status === 'pending'),
      'the batch is leased',
    );
    worker.child.kill('SIGTERM');
    // Released while the request is still unanswered (it times out only after 3 s): lease gone, row due,
    // no attempt counted.
    const signalled = Date.now();
    await eventually(
      async () => (await leaseRows(ids)).every((r) => r.lease_owner === null && r.lease_expires_at === null),
      2000,
    );
    assert.ok(Date.now() - signalled < 3000, 'released before the in-flight request ended');
    for (const row of await leaseRows(ids)) {
      assert.equal(row.status, 'pending');
      assert.equal(row.attempts, 0);
      assert.ok(row.next_attempt_at <= Date.now(), 'due again at once');
    }
    assert.equal(await worker.exited, 0);

    fake.setDelay(0);
    const restartedAt = Date.now();
    const next = await startServe('worker', env);
    try {
      await eventually(
        async () => (await deliveryStatuses(ids)).every((r) => r.status === 'delivered'),
        10_000,
      );
    } finally {
      next.child.kill('SIGTERM');
      assert.equal(await next.exited, 0);
    }
    const seen = new Set(sentSince(restartedAt));
    for (const id of ids) assert.ok(seen.has(id), `${id} reached the platform from the restarted worker`);
  });
});
