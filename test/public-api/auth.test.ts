/**
 * The seed's "Error diagnostics", one by one: 401 (missing, malformed, unknown, expired, revoked key; a key
 * in the URL), 403 (missing permission; inactive subscription — the seed's "plan required"), 413, 429 with
 * Retry-After; plus rate-limit headers on every authenticated response and no CORS on this surface.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { updateOrgPlan } from '../../src/storage/repos/orgs.js';
import { createTenant, startTestService, type Tenant, type TestService } from '../harness.js';
import { apiEvent, bearer, createKey } from './helpers.js';

describe('public API authentication and error diagnostics', () => {
  let service: TestService;
  let tenant: Tenant;
  let key: string;

  before(async () => {
    service = await startTestService({ role: 'api', env: { API_RATE_LIMIT_PER_HOUR: '1000' } });
    tenant = await createTenant(service);
    key = (await createKey(service, tenant.org.id)).key;
  });
  after(() => service.destroy());

  const get = (url: string, headers: Record<string, string>) =>
    service.app!.inject({ method: 'GET', url, headers });

  test('401 unauthenticated: missing, malformed, unknown, expired and revoked keys', async () => {
    const { id: expiredId, key: expired } = await createKey(service, tenant.org.id, {
      expiresAt: Date.now() - 1000,
    });
    const { id: revokedId, key: revoked } = await createKey(service, tenant.org.id);
    await service.storage.db
      .updateTable('api_keys')
      .set({ revoked_at: Date.now() })
      .where('id', '=', revokedId)
      .execute();
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['missing', {}, /missing/],
      ['Basic scheme', { authorization: `Basic ${Buffer.from(`x:${key}`).toString('base64')}` }, /malformed/],
      ['no Bearer word', { authorization: key }, /malformed/],
      ['Bearer without a key', { authorization: 'Bearer ' }, /malformed/],
      ['not an sp_ key', { authorization: `Bearer sk_${key.slice(3)}` }, /malformed/],
      ['truncated', { authorization: `Bearer ${key.slice(0, -1)}` }, /malformed/],
      ['unknown', { authorization: `Bearer sp_${'A'.repeat(32)}` }, /not valid/],
      ['expired', bearer(expired), /expired/],
      ['revoked', bearer(revoked), /revoked/],
    ];
    for (const [label, headers, message] of cases) {
      const res = await get('/api/v1/events', headers);
      assert.equal(res.statusCode, 401, label);
      assert.deepEqual(Object.keys(res.json()), ['error'], label);
      assert.equal(res.json().error.code, 'unauthenticated', label);
      assert.match(res.json().error.message, message, label);
    }
    assert.ok(expiredId);
  });

  test('a key in the query string is refused, even next to a valid header', async () => {
    for (const name of ['api_key', 'key', 'access_token', 'API_KEY']) {
      const res = await get(`/api/v1/events?${name}=${key}`, bearer(key));
      assert.equal(res.statusCode, 401, name);
      assert.equal(res.json().error.code, 'unauthenticated');
      assert.match(res.json().error.message, /Authorization header/);
      assert.equal(res.json().error.details.parameter, name);
    }
    const alone = await get(`/api/v1/events?api_key=${key}`, {});
    assert.equal(alone.statusCode, 401);
  });

  test('403 forbidden names the missing permission, on every endpoint', async () => {
    const { key: readOnly } = await createKey(service, tenant.org.id, { scopes: ['events:read'] });
    const { key: writeOnly } = await createKey(service, tenant.org.id, { scopes: ['events:write'] });
    const post = await service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: bearer(readOnly),
      payload: apiEvent(),
    });
    assert.equal(post.statusCode, 403);
    assert.equal(post.json().error.code, 'forbidden');
    assert.match(post.json().error.message, /Permission events:write required/);
    assert.equal(post.json().error.details.required_scope, 'events:write');

    const list = await get('/api/v1/events', bearer(writeOnly));
    assert.equal(list.statusCode, 403);
    assert.match(list.json().error.message, /Permission events:read required/);

    const stats = await get('/api/v1/stats', bearer(readOnly));
    assert.equal(stats.statusCode, 403);
    assert.match(stats.json().error.message, /Permission stats:read required/);
  });

  test('403 when the subscription is suspended or expired ("plan required"); past_due keeps working', async () => {
    const other = await createTenant(service);
    const { key: otherKey } = await createKey(service, other.org.id);
    await updateOrgPlan(service.storage.db, other.org.id, { subscriptionStatus: 'suspended' });
    const res = await get('/api/v1/events', bearer(otherKey));
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'subscription_inactive');
    await updateOrgPlan(service.storage.db, other.org.id, { subscriptionStatus: 'past_due' });
    assert.equal((await get('/api/v1/events', bearer(otherKey))).statusCode, 200);
  });

  test('413 payload_too_large over API_BODY_LIMIT_BYTES (512 KB), after authentication', async () => {
    const big = Array.from({ length: 100 }, () =>
      apiEvent({ customData: { currency: 'EUR', value: 1, note: 'x'.repeat(6000) } }),
    );
    const payload = JSON.stringify(big);
    assert.ok(payload.length > 512 * 1024);
    const res = await service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: bearer(key, { 'content-type': 'application/json' }),
      payload,
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'payload_too_large');
    const unauthenticated = await service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    assert.equal(unauthenticated.statusCode, 401);
  });

  test('rate-limit headers on every authenticated response, errors included', async () => {
    const ok = await get('/api/v1/events', bearer(key));
    const forbidden = await get(`/api/v1/events?domainId=dom_nope`, bearer(key));
    for (const res of [ok, forbidden]) {
      assert.equal(res.headers['x-ratelimit-limit'], '1000');
      assert.match(String(res.headers['x-ratelimit-remaining']), /^\d+$/);
      assert.match(String(res.headers['x-ratelimit-reset']), /^\d{10}$/);
    }
    assert.equal(forbidden.statusCode, 404);
  });

  test('no CORS headers and Origin is not trusted: preflights get nothing either', async () => {
    const res = await get('/api/v1/events', bearer(key, { origin: 'https://evil.example' }));
    assert.equal(res.statusCode, 200);
    assert.equal(
      Object.keys(res.headers).filter((h) => h.startsWith('access-control-')).length,
      0,
      'no access-control-* header',
    );
    const preflight = await service.app!.inject({
      method: 'OPTIONS',
      url: '/api/v1/events',
      headers: {
        origin: 'https://shop.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    assert.equal(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-')).length, 0);
    assert.notEqual(preflight.statusCode, 204);
  });

  test('last_used_at is recorded (at most once a minute)', async () => {
    const { id, key: fresh } = await createKey(service, tenant.org.id);
    await get('/api/v1/events', bearer(fresh));
    const row = await service.storage.db
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.ok(row.last_used_at !== null && Math.abs(Number(row.last_used_at) - Date.now()) < 10_000);
  });
});

describe('public API rate limit', () => {
  let service: TestService;
  let tenant: Tenant;

  before(async () => {
    service = await startTestService({ role: 'api', env: { API_RATE_LIMIT_PER_HOUR: '3' } });
    tenant = await createTenant(service);
  });
  after(() => service.destroy());

  test('429 rate_limited with Retry-After after API_RATE_LIMIT_PER_HOUR requests per key', async () => {
    const { key } = await createKey(service, tenant.org.id);
    const { key: otherKey } = await createKey(service, tenant.org.id);
    const statuses: number[] = [];
    let last = null;
    for (let i = 0; i < 5; i += 1) {
      last = await service.app!.inject({ method: 'GET', url: '/api/v1/events', headers: bearer(key) });
      statuses.push(last.statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.equal(last!.json().error.code, 'rate_limited');
    const retryAfter = Number(last!.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    assert.equal(last!.headers['x-ratelimit-remaining'], '0');
    assert.equal(last!.headers['x-ratelimit-limit'], '3');
    // The limit is per key: another key of the same org still has its own hour.
    const other = await service.app!.inject({
      method: 'GET',
      url: '/api/v1/events',
      headers: bearer(otherKey),
    });
    assert.equal(other.statusCode, 200);
  });
});
