import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createTenant,
  proxyHeaders,
  purchaseEvent,
  redisUrl,
  sameDatabaseEnv,
  startTestService,
  type TestService,
} from './harness.js';

const required = process.env.REQUIRE_SERVICES === '1';

describe('Redis: rate limits shared across nodes', {
  skip: !redisUrl && !required && 'Redis is not reachable (TEST_REDIS_URL)',
}, () => {
  let nodeA: TestService;
  let nodeB: TestService;

  before(async () => {
    assert.ok(redisUrl, 'REQUIRE_SERVICES=1 but TEST_REDIS_URL is empty: Redis is required');
    const env = { REDIS_URL: redisUrl, PROXY_RATE_LIMIT_PER_MINUTE: '4' };
    nodeA = await startTestService({ role: 'api', env });
    // Node B shares A's database (same DATA_DIR / schema) and the same Redis.
    nodeB = await startTestService({
      role: 'api',
      env: {
        ...env,
        ...sameDatabaseEnv(nodeA),
      },
    });
  });
  after(async () => {
    await nodeB?.close();
    await nodeA?.destroy();
  });

  test('the per-IP window is one window across two nodes', async () => {
    const tenant = await createTenant(nodeA, { destinations: {} });
    nodeB.domains.invalidate();
    const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const node = i % 2 === 0 ? nodeA : nodeB;
      const res = await node.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        remoteAddress: ip,
        payload: { events: [purchaseEvent()] },
      });
      statuses.push(res.statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  });
});
