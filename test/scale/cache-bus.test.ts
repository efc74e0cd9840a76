/**
 * Issue 14 §1: a change made on one node holds on every node within one second. Two API nodes in this
 * process share a database and Redis; each change is made through one node (or the CLI, its own process)
 * while the other node's cache holds the old state, and the other node must refuse or follow within a second
 * — the caches' TTL is 5 s, so only the invalidation message can make it. Also: a reconnected subscriber drops
 * everything, the bus without Redis drops in this process, and a load racing a drop does not keep old state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { DomainContextCache } from '../../src/ingest/domain-context.js';
import { cacheChannel, LocalCacheBus, RedisCacheBus } from '../../src/lib/cache-bus.js';
import { systemClock } from '../../src/lib/clock.js';
import { CLI_ACTOR } from '../../src/management/audit.js';
import { createPixelKey } from '../../src/pixel/keys.js';
import {
  createSession,
  createTenant,
  proxyHeaders,
  purchaseEvent,
  redisUrl,
  sameDatabaseEnv,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
} from '../harness.js';
import { runCli } from '../processes.js';

const required = process.env.REQUIRE_SERVICES === '1';
const META = { pixelId: '1234567890', accessToken: 'EAAB-scale-token-1234' };
const SHOP = 'https://bus-shop.test';
const silent = { fatal() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} };

/** Milliseconds until `check` holds (polling every 10 ms), or fails after `limitMs`. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`not within ${limitMs} ms`);
}

describe('the cache bus without Redis', () => {
  test('an announcement drops the org in every registered cache of this process, at once', async () => {
    const bus = new LocalCacheBus();
    const dropped: Array<string | null> = [];
    bus.register((org) => dropped.push(org));
    bus.register((org) => dropped.push(`second:${org}`));
    await bus.orgChanged('org_a');
    assert.deepEqual(dropped, ['org_a', 'second:org_a']);
  });
});

describe('the domain cache: a load racing a drop does not keep the old state', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ role: 'api' });
  });
  after(() => service.destroy());

  test('resolve started before the drop answers, but the next resolve reads again', async () => {
    const tenant = await createTenant(service);
    const cache = new DomainContextCache(service.storage.db, systemClock);
    const pending = cache.resolve(tenant.domain.host);
    cache.drop(tenant.org.id);
    assert.equal((await pending)?.domain.id, tenant.domain.id);
    assert.equal(cache.peek(tenant.domain.host), undefined, 'not stored: it may predate the change');
    await cache.resolve(tenant.domain.host);
    assert.ok(cache.peek(tenant.domain.host), 'stored by a load after the drop');
    // Another org's drop keeps it; an unknown host (negative entry) goes with any drop.
    assert.equal(await cache.resolve('unknown.bus-shop.test'), null);
    cache.drop('org_other');
    assert.ok(cache.peek(tenant.domain.host));
    assert.equal(cache.peek('unknown.bus-shop.test'), undefined);
  });
});

describe('cache invalidation across nodes over Redis', {
  skip: !redisUrl && !required && 'Redis is not reachable (TEST_REDIS_URL)',
}, () => {
  let nodeA: TestService;
  let nodeB: TestService;
  let tenant: Tenant;
  let admin: TestSession;
  let destinationId: string;

  before(async () => {
    assert.ok(redisUrl, 'REQUIRE_SERVICES=1 but TEST_REDIS_URL is empty: Redis is required');
    const env = {
      REDIS_URL: redisUrl,
      PROXY_RATE_LIMIT_PER_MINUTE: '0',
      PIXEL_RATE_LIMIT_PER_IP_PER_MINUTE: '10000',
    };
    nodeA = await startTestService({ role: 'api', env });
    nodeB = await startTestService({ role: 'api', env: { ...env, ...sameDatabaseEnv(nodeA) } });
    tenant = await createTenant(nodeA, {
      host: `ssp.${Date.now()}.bus-shop.test`,
      shopUrl: SHOP,
      destinations: { meta: META },
    });
    destinationId = tenant.destinations.meta!;
    admin = await createSession(nodeA, { orgId: tenant.org.id, role: 'admin' });
  });
  after(async () => {
    await nodeB?.close();
    await nodeA?.destroy();
  });

  const send = (node: TestService, eventId: string) =>
    node.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent({ eventId })] },
    });
  const deliveriesOf = async (eventId: string) =>
    nodeA.storage.db
      .selectFrom('deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_pk')
      .select('d.destination_id')
      .where('e.event_id', '=', eventId)
      .execute();

  test('a destination disabled through node A: node B stops queueing for it within a second', async () => {
    // Node B holds the domain context with the destination enabled (fresh: its TTL has 5 s to run).
    const warm = `warm-${Date.now()}`;
    assert.equal((await send(nodeB, warm)).statusCode, 200);
    assert.deepEqual(await deliveriesOf(warm), [{ destination_id: destinationId }]);
    assert.ok(nodeB.domains.peek(tenant.domain.host));

    const res = await nodeA.app!.inject({
      method: 'PATCH',
      url: `/v1/domains/${tenant.domain.id}/destinations/${destinationId}`,
      headers: admin.headers,
      payload: { enabled: false },
    });
    assert.equal(res.statusCode, 200, res.body);
    let n = 0;
    const took = await within(1000, async () => {
      const id = `after-disable-${n++}`;
      assert.equal((await send(nodeB, id)).statusCode, 200);
      return (await deliveriesOf(id)).length === 0;
    });
    assert.ok(took < 1000, `node B followed after ${took} ms`);

    // And back: enabled through node A, node B queues for it again.
    await nodeB.domains.resolve(tenant.domain.host);
    await nodeA.app!.inject({
      method: 'PATCH',
      url: `/v1/domains/${tenant.domain.id}/destinations/${destinationId}`,
      headers: admin.headers,
      payload: { enabled: true },
    });
    await within(1000, async () => {
      const id = `after-enable-${n++}`;
      await send(nodeB, id);
      return (await deliveriesOf(id)).length === 1;
    });
  });

  test('a pixel key revoked through node A: node B refuses it within a second', async () => {
    const { key } = await createPixelKey({ storage: nodeA.storage, clock: systemClock }, CLI_ACTOR, {
      orgId: tenant.org.id,
      domainId: tenant.domain.id,
    });
    const collect = () =>
      nodeB.app!.inject({
        method: 'POST',
        url: '/v1/collect',
        headers: { host: tenant.domain.host, origin: SHOP, 'content-type': 'application/json' },
        payload: {
          key,
          page: { url: `${SHOP}/`, referrer: '' },
          events: [{ eventName: 'PageVisit' }],
        },
      });
    const first = await collect();
    assert.equal(first.statusCode, 200, first.body);
    const keyId = (
      await nodeA.storage.db
        .selectFrom('pixel_keys')
        .select('id')
        .where('org_id', '=', tenant.org.id)
        .orderBy('created_at', 'desc')
        .executeTakeFirstOrThrow()
    ).id;
    const revoked = await nodeA.app!.inject({
      method: 'DELETE',
      url: `/v1/domains/${tenant.domain.id}/pixel-keys/${keyId}`,
      headers: admin.headers,
    });
    assert.equal(revoked.statusCode, 200, revoked.body);
    const took = await within(1000, async () => (await collect()).statusCode === 401);
    assert.ok(took < 1000);
  });

  test('a plan change made by the CLI (its own process): node B applies it within a second', async () => {
    const other = await createTenant(nodeA, { host: `ssp.cli-${Date.now()}.bus-shop.test`, shopUrl: SHOP });
    const sendOther = (node: TestService) =>
      node.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(other),
        payload: { events: [purchaseEvent()] },
      });
    assert.equal((await sendOther(nodeB)).statusCode, 200);
    // The CLI takes seconds to start (longer than the caches' TTL), so what proves the announcement is that
    // node B hears it; that node B then refuses is the rest of the chain.
    const heard: Array<string | null> = [];
    nodeB.caches.register((orgId) => heard.push(orgId));
    const cli = await runCli(['org', 'set', '--id', other.org.id, '--status', 'suspended', '--json'], {
      ...sameDatabaseEnv(nodeA),
      ...(nodeA.config.databaseUrl ? { DATABASE_URL: nodeA.config.databaseUrl } : {}),
      REDIS_URL: redisUrl,
      LOG_LEVEL: 'silent',
    });
    assert.equal(cli.code, 0, cli.stderr);
    await within(1000, async () => heard.includes(other.org.id));
    const res = await sendOther(nodeB);
    assert.equal(res.statusCode, 403, res.body);
    assert.equal(res.json().error.code, 'subscription_inactive');
  });

  test('a domain deleted through node A: node B stops resolving its host within a second', async () => {
    const gone = await createTenant(nodeA, { host: `ssp.gone-${Date.now()}.bus-shop.test`, shopUrl: SHOP });
    const owner = await createSession(nodeA, { orgId: gone.org.id, role: 'owner' });
    const sendGone = () =>
      nodeB.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(gone),
        payload: { events: [purchaseEvent()] },
      });
    assert.equal((await sendGone()).statusCode, 200);
    const res = await nodeA.app!.inject({
      method: 'DELETE',
      url: `/v1/domains/${gone.domain.id}`,
      headers: owner.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    await within(1000, async () => (await sendGone()).statusCode === 404);
  });

  test('a subscriber that reconnects drops everything, and hears the channel again', async () => {
    const publisher = new Redis(redisUrl);
    const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const channel = cacheChannel(`bus_test_${Date.now()}`);
    const listening = new RedisCacheBus(publisher, subscriber, channel, silent);
    const speaker = new RedisCacheBus(publisher, null, channel, silent);
    const dropped: Array<string | null> = [];
    listening.register((org) => dropped.push(org));
    try {
      await listening.ready();
      await speaker.orgChanged('org_1');
      await within(1000, async () => dropped.includes('org_1'));
      // Its own announcement is dropped locally once, not again when it comes back from Redis.
      await listening.orgChanged('org_own');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(dropped.filter((o) => o === 'org_own').length, 1);

      subscriber.disconnect(true);
      await within(3000, async () => dropped.includes(null));
      await speaker.orgChanged('org_2');
      await within(1000, async () => dropped.includes('org_2'));
    } finally {
      await listening.close();
      publisher.disconnect();
    }
  });
});
