/** GDPR Art. 5(2): every 2xx read of event data leaves an audit entry; failed reads and writes do not. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSession, createTenant, startTestService, type Tenant, type TestService } from '../harness.js';
import { apiEvent, bearer, createKey } from './helpers.js';

describe('audit of API reads', () => {
  let service: TestService;
  let tenant: Tenant;
  let key: string;
  let keyId: string;

  before(async () => {
    service = await startTestService({ role: 'api' });
    tenant = await createTenant(service);
    ({ key, id: keyId } = await createKey(service, tenant.org.id));
    await service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: bearer(key),
      payload: [apiEvent(), apiEvent(), apiEvent({ eventName: 'PageVisit' })],
    });
  });
  after(() => service.destroy());

  const entries = () =>
    service.storage.db
      .selectFrom('audit_log')
      .selectAll()
      .where('org_id', '=', tenant.org.id)
      .where('actor_type', '=', 'api_key')
      .orderBy('at')
      .orderBy('id')
      .execute();

  test('a read records key, org, endpoint, filters, row count, time and IP', async () => {
    const before = Date.now();
    const res = await service.app!.inject({
      method: 'GET',
      url: '/api/v1/events?eventName=Purchase&limit=10&from=2026-01-01',
      headers: bearer(key),
      remoteAddress: '198.51.100.7',
    });
    assert.equal(res.statusCode, 200);
    const [entry] = await entries();
    assert.ok(entry);
    assert.equal(entry.actor_id, keyId);
    assert.equal(entry.org_id, tenant.org.id);
    assert.equal(entry.action, 'api.events.read');
    assert.equal(entry.ip, '198.51.100.7');
    assert.ok(Number(entry.at) >= before && Number(entry.at) <= Date.now());
    const details = JSON.parse(entry.details!);
    assert.equal(details.endpoint, 'GET /api/v1/events');
    assert.deepEqual(details.filters, { limit: 10, eventName: 'Purchase', from: '2026-01-01' });
    assert.equal(details.rowCount, 2);
    assert.match(details.keyPrefix, /^sp_/);
  });

  test('stats reads are recorded; failed reads and writes are not', async () => {
    const count = (await entries()).length;
    const stats = await service.app!.inject({
      method: 'GET',
      url: '/api/v1/stats?currency=EUR',
      headers: bearer(key),
    });
    assert.equal(stats.statusCode, 200);
    const after = await entries();
    assert.equal(after.length, count + 1);
    const last = after[after.length - 1]!;
    assert.equal(last.action, 'api.stats.read');
    assert.equal(JSON.parse(last.details!).rowCount, 3);

    const { key: writeOnly } = await createKey(service, tenant.org.id, { scopes: ['events:write'] });
    await service.app!.inject({ method: 'GET', url: '/api/v1/events', headers: bearer(writeOnly) });
    await service.app!.inject({ method: 'GET', url: '/api/v1/events?limit=0', headers: bearer(key) });
    await service.app!.inject({ method: 'GET', url: '/api/v1/events' });
    await service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: bearer(key),
      payload: apiEvent(),
    });
    assert.equal((await entries()).length, count + 1);
  });

  test('org admins list the entries in the audit log', async () => {
    const admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
    const res = await service.app!.inject({
      method: 'GET',
      url: '/v1/org/audit-log?limit=200',
      headers: admin.headers,
    });
    assert.equal(res.statusCode, 200);
    const reads = res
      .json()
      .entries.filter((e: { actor: { type: string } }) => e.actor.type === 'api_key')
      .map((e: { action: string; actor: { id: string } }) => [e.action, e.actor.id]);
    assert.deepEqual(reads.sort(), [
      ['api.events.read', keyId],
      ['api.stats.read', keyId],
    ]);
  });
});
