/** A key of org A can neither read, write nor count anything of org B; management ids of B are not_found. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSession, createTenant, startTestService, type Tenant, type TestService } from '../harness.js';
import { apiEvent, bearer, createKey } from './helpers.js';

describe('tenant isolation of the public API', () => {
  let service: TestService;
  let a: Tenant;
  let b: Tenant;
  let keyA: string;
  let keyB: string;

  before(async () => {
    service = await startTestService({ role: 'api' });
    a = await createTenant(service);
    b = await createTenant(service);
    keyA = (await createKey(service, a.org.id)).key;
    keyB = (await createKey(service, b.org.id)).key;
    for (const [key, prefix] of [
      [keyA, 'a'],
      [keyB, 'b'],
    ] as const) {
      const res = await service.app!.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: bearer(key),
        payload: [
          apiEvent({ eventId: `${prefix}-1` }),
          apiEvent({ eventId: `${prefix}-2`, eventName: 'PageVisit' }),
        ],
      });
      assert.equal(res.json().summary.accepted, 2);
    }
    await service.storage.db
      .insertInto('custom_event_definitions')
      .values({
        id: 'cev_onlyb',
        org_id: b.org.id,
        name: 'OnlyInB',
        description: null,
        is_active: 1,
        created_at: Date.now(),
        updated_at: Date.now(),
      })
      .execute();
  });
  after(() => service.destroy());

  const get = (url: string, key: string) => service.app!.inject({ method: 'GET', url, headers: bearer(key) });

  test('reads: A sees only its events, and naming B’s domain is not_found', async () => {
    const list = await get('/api/v1/events?limit=200', keyA);
    assert.deepEqual(
      list
        .json()
        .data.map((e: { eventId: string }) => e.eventId)
        .sort(),
      ['a-1', 'a-2'],
    );
    assert.ok(!list.body.includes(b.domain.id));
    const named = await get(`/api/v1/events?domainId=${b.domain.id}`, keyA);
    assert.equal(named.statusCode, 404);
    assert.equal(named.json().error.code, 'not_found');
  });

  test('counts: A’s stats count only A’s events', async () => {
    const stats = await get('/api/v1/stats?currency=EUR', keyA);
    assert.equal(stats.json().totals.events, 2);
    assert.equal(stats.json().totals.revenue, 49.99);
    assert.equal((await get(`/api/v1/stats?domainId=${b.domain.id}`, keyA)).statusCode, 404);
  });

  test('writes: A cannot write to B’s domain nor use B’s custom events', async () => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: bearer(keyA),
      payload: [apiEvent({ domainId: b.domain.id }), apiEvent({ eventName: 'OnlyInB' })],
    });
    const codes = res.json().results.map((r: { error?: { code: string } }) => r.error?.code);
    assert.deepEqual(codes, ['not_found', 'event_not_found']);
    const inB = await service.storage.db
      .selectFrom('events')
      .select('event_id')
      .where('domain_id', '=', b.domain.id)
      .execute();
    assert.deepEqual(inB.map((e) => e.event_id).sort(), ['b-1', 'b-2']);
  });

  test('management: B’s API keys and custom events are not_found for A’s admin', async () => {
    const adminA = await createSession(service, { orgId: a.org.id, role: 'admin' });
    const { id: keyOfB } = await createKey(service, b.org.id);
    const calls = [
      { method: 'DELETE' as const, url: `/v1/org/api-keys/${keyOfB}` },
      { method: 'PATCH' as const, url: '/v1/org/custom-events/cev_onlyb', payload: { isActive: false } },
      { method: 'DELETE' as const, url: '/v1/org/custom-events/cev_onlyb' },
    ];
    for (const call of calls) {
      const res = await service.app!.inject({ ...call, headers: adminA.headers });
      assert.equal(res.statusCode, 404, call.url);
      assert.equal(res.json().error.code, 'not_found');
    }
    const keys = await service.app!.inject({
      method: 'GET',
      url: '/v1/org/api-keys',
      headers: adminA.headers,
    });
    assert.ok(!keys.body.includes(keyOfB));
    const events = await service.app!.inject({
      method: 'GET',
      url: '/v1/org/custom-events',
      headers: adminA.headers,
    });
    assert.deepEqual(events.json().customEvents, []);
    // B's key still works: nothing was revoked.
    assert.equal((await get('/api/v1/events', keyB)).statusCode, 200);
  });
});
