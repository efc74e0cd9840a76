/** API keys and custom event definitions through the session-authenticated management API. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiKeyHash } from '../../src/public-api/keys.js';
import {
  createSession,
  createTenant,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
} from '../harness.js';
import { bearer } from './helpers.js';

describe('management of API keys and custom events', () => {
  let service: TestService;
  let tenant: Tenant;
  let admin: TestSession;

  before(async () => {
    service = await startTestService({ role: 'api' });
    tenant = await createTenant(service);
    admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
  });
  after(() => service.destroy());

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown,
    session = admin,
  ) =>
    service.app!.inject({
      method,
      url,
      headers: session.headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  test('create: the key is shown once, all three scopes by default; only its hash and prefix are stored', async () => {
    const res = await call('POST', '/v1/org/api-keys', { name: 'ERP export' });
    assert.equal(res.statusCode, 201);
    const created = res.json();
    assert.match(created.key, /^sp_[0-9A-Za-z]{32}$/);
    assert.equal(created.prefix, created.key.slice(0, 11));
    assert.deepEqual(created.scopes, ['events:read', 'events:write', 'stats:read']);
    assert.equal(created.status, 'active');
    assert.equal(created.domainId, null);
    assert.match(created.id, /^key_/);
    const row = await service.storage.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.key_hash, apiKeyHash(created.key));
    assert.ok(!JSON.stringify(row).includes(created.key));

    const list = await call('GET', '/v1/org/api-keys');
    assert.equal(list.statusCode, 200);
    const shown = list.json().apiKeys.find((k: { id: string }) => k.id === created.id);
    assert.equal(shown.prefix, created.prefix);
    assert.equal(shown.key, undefined);
    assert.ok(!list.body.includes(created.key));

    const used = await service.app!.inject({
      method: 'GET',
      url: '/api/v1/events',
      headers: bearer(created.key),
    });
    assert.equal(used.statusCode, 200);
    const after = (await call('GET', '/v1/org/api-keys'))
      .json()
      .apiKeys.find((k: { id: string }) => k.id === created.id);
    assert.ok(after.lastUsedAt, 'last used is shown');
  });

  test('revocation is effective at once; revoking twice keeps the first time', async () => {
    const created = (
      await call('POST', '/v1/org/api-keys', { name: 'to revoke', scopes: ['events:read'] })
    ).json();
    assert.equal(
      (await service.app!.inject({ method: 'GET', url: '/api/v1/events', headers: bearer(created.key) }))
        .statusCode,
      200,
    );
    const revoked = await call('DELETE', `/v1/org/api-keys/${created.id}`);
    assert.equal(revoked.statusCode, 200);
    assert.equal(revoked.json().status, 'revoked');
    const rejected = await service.app!.inject({
      method: 'GET',
      url: '/api/v1/events',
      headers: bearer(created.key),
    });
    assert.equal(rejected.statusCode, 401);
    assert.match(rejected.json().error.message, /revoked/);
    const again = await call('DELETE', `/v1/org/api-keys/${created.id}`);
    assert.equal(again.json().revokedAt, revoked.json().revokedAt);
    const audit = await service.storage.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type', 'actor_id'])
      .where('target_id', '=', created.id)
      .orderBy('at')
      .execute();
    assert.deepEqual(
      audit.map((e) => [e.action, e.actor_type]),
      [
        ['api_key.create', 'user'],
        ['api.events.read', 'api_key'],
        ['api_key.revoke', 'user'],
      ],
    );
    assert.equal(audit[2]!.actor_id, admin.userId);
  });

  test('domain-restricted keys, scopes and expiry are validated', async () => {
    const restricted = await call('POST', '/v1/org/api-keys', {
      name: 'shop 1',
      domainId: tenant.domain.id,
      scopes: ['stats:read'],
    });
    assert.equal(restricted.statusCode, 201);
    assert.equal(restricted.json().domainId, tenant.domain.id);
    const other = await createTenant(service);
    assert.equal(
      (await call('POST', '/v1/org/api-keys', { name: 'x', domainId: other.domain.id })).statusCode,
      404,
    );
    for (const body of [
      { name: 'x', scopes: ['admin'] },
      { name: 'x', scopes: [] },
      { name: '' },
      { name: 'x', expiresAt: '2001-01-01T00:00:00Z' },
      { name: 'x', key: 'sp_chosen' },
    ]) {
      const res = await call('POST', '/v1/org/api-keys', body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, 'validation_failed');
    }
  });

  test('only admins and owners manage keys; members and viewers get 403', async () => {
    for (const role of ['member', 'viewer'] as const) {
      const session = await createSession(service, { orgId: tenant.org.id, role });
      assert.equal((await call('GET', '/v1/org/api-keys', undefined, session)).statusCode, 403);
      assert.equal((await call('POST', '/v1/org/api-keys', { name: 'x' }, session)).statusCode, 403);
    }
    const owner = await createSession(service, { orgId: tenant.org.id, role: 'owner' });
    assert.equal((await call('GET', '/v1/org/api-keys', undefined, owner)).statusCode, 200);
    const anonymous = await service.app!.inject({ method: 'GET', url: '/v1/org/api-keys' });
    assert.equal(anonymous.statusCode, 401);
  });

  test('custom events: create, list, deactivate, delete; standard names and duplicates are refused', async () => {
    const created = await call('POST', '/v1/org/custom-events', {
      name: 'InitiateCheckout',
      description: 'Checkout started',
    });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().isActive, true);
    assert.match(created.json().id, /^cev_/);
    const id = created.json().id as string;
    assert.equal((await call('POST', '/v1/org/custom-events', { name: 'InitiateCheckout' })).statusCode, 400);
    for (const name of ['Purchase', 'PageView', 'Custom', ' padded', 'bad/name']) {
      const res = await call('POST', '/v1/org/custom-events', { name });
      assert.equal(res.statusCode, 400, name);
    }
    const viewer = await createSession(service, { orgId: tenant.org.id, role: 'viewer' });
    const list = await call('GET', '/v1/org/custom-events', undefined, viewer);
    assert.deepEqual(
      list.json().customEvents.map((e: { name: string; isActive: boolean }) => [e.name, e.isActive]),
      [['InitiateCheckout', true]],
    );
    assert.equal(
      (await call('PATCH', `/v1/org/custom-events/${id}`, { isActive: false }, viewer)).statusCode,
      403,
    );
    const patched = await call('PATCH', `/v1/org/custom-events/${id}`, { isActive: false });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().isActive, false);
    assert.equal((await call('PATCH', `/v1/org/custom-events/${id}`, {})).statusCode, 400);
    assert.equal((await call('DELETE', `/v1/org/custom-events/${id}`)).statusCode, 200);
    assert.equal((await call('DELETE', `/v1/org/custom-events/${id}`)).statusCode, 404);
    assert.equal(
      (await call('PATCH', '/v1/org/custom-events/cev_missing', { isActive: true })).statusCode,
      404,
    );
  });
});
