/**
 * Issue 14 §1 and §4: a worker answers /health on PORT; /metrics is served on METRICS_PORT or on PORT behind
 * METRICS_TOKEN, never on a domain's proxy host, not at all by default; and a scrape costs the same whatever
 * the backlog (statements counted through a Kysely plugin, not timed).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { request } from 'undici';
import { startOpsServer } from '../../src/http/ops-server.js';
import { Metrics } from '../../src/metrics.js';
import {
  createTenant,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
  testEnv,
} from '../harness.js';
import { startServe } from '../processes.js';

const TOKEN = 'scale-metrics-token-0123456789abcdef';
const META = { pixelId: '1234567890', accessToken: 'EAAB-metrics-token-1234' };

/** Counts executed statements (once per result). */
class StatementCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.count += 1;
    return args.result;
  }
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

describe('metrics on PORT', () => {
  let plain: TestService;
  let tokened: TestService;
  let tenant: Tenant;

  before(async () => {
    plain = await startTestService({ role: 'api' });
    tokened = await startTestService({
      role: 'all',
      // Behind a trusted proxy (inject's peer is 127.0.0.1): its X-Forwarded-Host counts as the host.
      env: { METRICS_TOKEN: TOKEN, PUBLIC_HOSTNAME: 'proxy.tagbridge.test', TRUST_PROXY: '127.0.0.1' },
    });
    tenant = await createTenant(tokened);
  });
  after(async () => {
    await plain.destroy();
    await tokened.destroy();
  });

  const scrape = (service: TestService, headers: Record<string, string>) =>
    service.app!.inject({
      method: 'GET',
      url: '/metrics',
      headers: { host: 'ops.internal:8080', ...headers },
    });

  test('neither METRICS_PORT nor METRICS_TOKEN: not served at all, token or not', async () => {
    const variants: Array<Record<string, string>> = [{}, { authorization: `Bearer ${TOKEN}` }];
    for (const headers of variants) {
      const res = await scrape(plain, headers);
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'not_found');
    }
  });

  test('METRICS_TOKEN: 401 without it or with another, 200 with it', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0123456789abcdefgh',
      TOKEN,
      `Basic ${TOKEN}`,
    ]) {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      const res = await scrape(tokened, headers);
      assert.equal(res.statusCode, 401, String(authorization));
      assert.equal(res.json().error.code, 'unauthenticated');
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="metrics"');
    }
    const ok = await scrape(tokened, { authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.statusCode, 200);
    assert.match(String(ok.headers['content-type']), /^text\/plain/);
    assert.match(ok.body, /^# HELP tagbridge_/m);
    assert.match(ok.body, /tagbridge_queue_depth\{destination="meta"\} \d+/);
  });

  test("never on a domain's proxy host or PUBLIC_HOSTNAME, even with the token", async () => {
    for (const host of [
      tenant.domain.host,
      `${tenant.domain.host.toUpperCase()}:443`,
      'proxy.tagbridge.test',
    ]) {
      const res = await scrape(tokened, { host, authorization: `Bearer ${TOKEN}` });
      assert.equal(res.statusCode, 404, host);
      assert.equal(res.json().error.code, 'not_found');
    }
    // Nor behind the proxy when it forwards the shop's host.
    const forwarded = await scrape(tokened, {
      'x-forwarded-host': tenant.domain.host,
      authorization: `Bearer ${TOKEN}`,
    });
    assert.equal(forwarded.statusCode, 404);
  });
});

describe('METRICS_PORT and the worker listener', () => {
  let all: TestService;
  let both: TestService;
  let worker: TestService;

  before(async () => {
    all = await startTestService({ role: 'all', listen: true, env: { METRICS_PORT: '0' } });
    both = await startTestService({
      role: 'api',
      listen: true,
      env: { METRICS_PORT: '0', METRICS_TOKEN: TOKEN },
    });
    worker = await startTestService({ role: 'worker', listen: true, env: { METRICS_TOKEN: TOKEN } });
  });
  after(async () => {
    await all.destroy();
    await both.destroy();
    await worker.destroy();
  });

  test('METRICS_PORT serves /metrics; PORT no longer does, token or not', async () => {
    assert.ok(all.metricsAddress);
    assert.notEqual(all.metricsAddress, all.address);
    const res = await get(`${all.metricsAddress}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.body, /tagbridge_ingest_requests_total|tagbridge_queue_depth/);
    assert.equal((await get(`${all.metricsAddress}/health`)).status, 404, 'only /metrics there');
    assert.equal((await get(`${all.address}/metrics`)).status, 404);
  });

  test('METRICS_PORT with METRICS_TOKEN: the token is required there, PORT still answers 404', async () => {
    assert.equal((await get(`${both.metricsAddress}/metrics`)).status, 401);
    const ok = await get(`${both.metricsAddress}/metrics`, { authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.doesNotMatch(ok.body, /tagbridge_queue_depth/, 'an API node does not report the queue depth');
    assert.equal((await get(`${both.address}/metrics`, { authorization: `Bearer ${TOKEN}` })).status, 404);
  });

  test('a worker answers /health on PORT like an API node, /metrics behind its token, nothing else', async () => {
    assert.ok(worker.address, 'a worker listens');
    assert.equal(worker.app, null, 'without the HTTP app');
    const health = await get(`${worker.address}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
    assert.equal((await get(`${worker.address}/metrics`)).status, 401);
    const metrics = await get(`${worker.address}/metrics`, { authorization: `Bearer ${TOKEN}` });
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /tagbridge_queue_depth\{destination="meta"\} 0/);
    const other = await get(`${worker.address}/v1/events`);
    assert.equal(other.status, 404);
    assert.equal(JSON.parse(other.body).error.code, 'not_found');
  });

  test('/health answers 503 with the reason when the database does not answer', async () => {
    const ops = await startOpsServer(
      {
        config: worker.config,
        listener: 'port',
        storage: { ping: async () => Promise.reject(new Error('connection refused')) },
        metrics: { contentType: 'text/plain', text: async () => '' },
        isProxyHost: async () => false,
      },
      { port: 0, host: '127.0.0.1' },
    );
    try {
      const res = await get(`${ops.address}/health`);
      assert.equal(res.status, 503);
      assert.deepEqual(JSON.parse(res.body), {
        status: 'unavailable',
        reason: 'database: connection refused',
      });
    } finally {
      await ops.close();
    }
  });

  test('`serve --role worker` (the real command) answers /health on PORT', async () => {
    const env = testEnv(worker.dataDir, {
      ...(worker.schema ? { DATABASE_SCHEMA: worker.schema } : {}),
      ENCRYPTION_KEY: worker.config.encryptionKeys[0]!.toString('base64'),
    });
    const child = await startServe('worker', env);
    try {
      assert.ok(child.address);
      const res = await get(`${child.address}/health`);
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), { status: 'ok' });
    } finally {
      child.child.kill('SIGTERM');
      assert.equal(await child.exited, 0);
    }
  });
});

describe('a scrape costs the same whatever the backlog', () => {
  let service: TestService;
  let tenant: Tenant;

  before(async () => {
    // No worker: every accepted event stays in the queue.
    service = await startTestService({ role: 'api', env: { PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    tenant = await createTenant(service, { plan: 'enterprise', destinations: { meta: META } });
  });
  after(() => service.destroy());

  const queue = async (events: number) => {
    for (let sent = 0; sent < events; sent += 50) {
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: { events: Array.from({ length: 50 }, () => purchaseEvent()) },
      });
      assert.equal(res.statusCode, 200, res.body);
    }
  };

  test('no statement per scrape; one per refresh, at 1,000 and at 4,000 queued events', async () => {
    const counter = new StatementCounter();
    // Built as main.ts builds a worker's metrics, over a database handle that counts what it runs.
    const metrics = new Metrics(service.storage.db.withPlugin(counter));
    const ops = await startOpsServer(
      {
        config: { ...service.config, metrics: { port: 0, token: null } },
        listener: 'metrics-port',
        metrics: { contentType: metrics.registry.contentType, text: () => metrics.registry.metrics() },
        isProxyHost: async () => false,
      },
      { port: 0, host: '127.0.0.1' },
    );
    const depth = async (): Promise<number> => {
      const res = await get(`${ops.address}/metrics`);
      assert.equal(res.status, 200);
      const line = res.body
        .split('\n')
        .find((l) => l.startsWith('tagbridge_queue_depth{destination="meta"}'));
      return Number(line?.split(' ').pop());
    };
    try {
      const perBacklog: number[] = [];
      for (const backlog of [1000, 4000]) {
        await queue(backlog - (perBacklog.length === 0 ? 0 : 1000));
        counter.count = 0;
        await metrics.refreshQueueDepth();
        assert.equal(counter.count, 1, 'a refresh is one statement');
        counter.count = 0;
        for (let i = 0; i < 20; i++) assert.equal(await depth(), backlog);
        perBacklog.push(counter.count);
      }
      assert.deepEqual(perBacklog, [0, 0], 'statements for 20 scrapes at each backlog');
      // Between refreshes a scrape shows the last count: it did not look.
      await queue(50);
      assert.equal(await depth(), 4000);
      await metrics.refreshQueueDepth();
      assert.equal(await depth(), 4050);
    } finally {
      await ops.close();
    }
  });
});
