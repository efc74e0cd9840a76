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
      SQLITE_SYNCHRONOUS: 'FULL',
      DELIVERY_LEASE_MS: '1000',
      ...(schema ? { DATABASE_SCHEMA: schema } : {}),
    });
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

  test('a server killed with SIGKILL right after answering success: the event is stored and delivered after restart', async () => {
    const api = await startServe('api', env);
    const eventId = `kill-api-${randomBytes(3).toString('hex')}`;
    const res = await request(`${api.address}/v1/events`, {
      method: 'POST',
      headers: proxyHeaders(tenant),
      body: JSON.stringify({ events: [purchaseEvent({ eventId })] }),
    });
    assert.equal(res.statusCode, 200);
    api.child.kill('SIGKILL');
    await api.exited;
    assert.deepEqual(await res.body.json(), { success: true });

    const rows = await deliveryStatuses([eventId]);
    assert.deepEqual(
      rows.map((r) => r.status),
      ['pending'],
    );

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
    const seen = new Set(fake.accepted.map((e) => e.event_id));
    for (const id of ids) assert.ok(seen.has(id), `${id} reached the platform`);
  });

  test('SIGTERM is graceful: the worker gives its leases back and exits 0', async () => {
    fake.reset();
    const ids = Array.from({ length: 5 }, (_, i) => `term-${i}-${randomBytes(3).toString('hex')}`);
    await control.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: ids.map((eventId) => purchaseEvent({ eventId })) },
    });
    const worker = await startServe('worker', env);
    await eventually(
      async () => (await deliveryStatuses(ids)).every((r) => r.status === 'delivered'),
      20_000,
    );
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
    const leftover = await control.storage.db
      .selectFrom('deliveries')
      .select('id')
      .where('lease_owner', 'is not', null)
      .where('status', '=', 'pending')
      .execute();
    assert.equal(leftover.length, 0);
  });
});
