/**
 * Two API nodes on one database and one Redis: the per-key hourly limit is one window across nodes, and a
 * key revoked through one node is refused by the other at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createSession,
  createTenant,
  redisUrl,
  sameDatabaseEnv,
  startTestService,
  type TestService,
} from '../harness.js';
import { bearer, createKey } from './helpers.js';

const required = process.env.REQUIRE_SERVICES === '1';

describe('public API across two nodes sharing Redis', {
  skip:
    !redisUrl &&
    !required &&
    'Redis is not reachable (set TEST_REDIS_URL; REQUIRE_SERVICES=1 makes this a failure)',
}, () => {
  let nodeA: TestService;
  let nodeB: TestService;

  before(async () => {
    assert.ok(redisUrl, 'REQUIRE_SERVICES=1 but TEST_REDIS_URL is empty: Redis is required');
    const env = { REDIS_URL: redisUrl, API_RATE_LIMIT_PER_HOUR: '4' };
    nodeA = await startTestService({ role: 'api', env });
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

  test('the per-key hourly window is shared by both nodes', async () => {
    const tenant = await createTenant(nodeA);
    const { key } = await createKey(nodeA, tenant.org.id);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const node = i % 2 === 0 ? nodeA : nodeB;
      const res = await node.app!.inject({ method: 'GET', url: '/api/v1/events', headers: bearer(key) });
      statuses.push(res.statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  });

  test('a key revoked on node A is refused by node B on the next request', async () => {
    const tenant = await createTenant(nodeA);
    const admin = await createSession(nodeA, { orgId: tenant.org.id, role: 'admin' });
    const created = await nodeA.app!.inject({
      method: 'POST',
      url: '/v1/org/api-keys',
      headers: admin.headers,
      payload: { name: 'two nodes' },
    });
    const { id, key } = created.json() as { id: string; key: string };
    assert.equal(
      (await nodeB.app!.inject({ method: 'GET', url: '/api/v1/events', headers: bearer(key) })).statusCode,
      200,
    );
    const revoke = await nodeA.app!.inject({
      method: 'DELETE',
      url: `/v1/org/api-keys/${id}`,
      headers: admin.headers,
    });
    assert.equal(revoke.statusCode, 200);
    const refused = await nodeB.app!.inject({ method: 'GET', url: '/api/v1/events', headers: bearer(key) });
    assert.equal(refused.statusCode, 401);
  });
});
