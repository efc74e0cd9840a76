/**
 * Publishable pk_ keys (issue 12): created per domain with the key shown once, listed without it, revoked;
 * roles like API keys, another org's domain or key is not_found, audit-logged; the CLI's exact outputs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { auditEntries, cliJson } from '../cli/helpers.js';
import {
  createSession,
  createTenant,
  sameDatabaseEnv,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
  testEnv,
} from '../harness.js';
import { runCli } from '../processes.js';

const KEY = /^pk_[A-Za-z0-9_-]{32}$/;

describe('pixel keys: management API', () => {
  let service: TestService;
  let tenant: Tenant;
  let admin: TestSession;

  before(async () => {
    service = await startTestService({ role: 'api' });
    tenant = await createTenant(service, { host: 'ssp.keys-shop.test' });
    admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
  });
  after(() => service.destroy());

  const call = (
    session: TestSession,
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: Record<string, unknown>,
  ) =>
    service.app!.inject({
      method,
      url,
      headers: session.headers,
      ...(payload ? { payload } : {}),
    });
  const keysUrl = (domainId = tenant.domain.id) => `/v1/domains/${domainId}/pixel-keys`;

  test('create shows the key and the snippet once; only its hash is stored', async () => {
    const res = await call(admin, 'POST', keysUrl(), { name: 'Storefront' });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), [
      'createdAt',
      'domainId',
      'id',
      'key',
      'keyPreview',
      'lastUsedAt',
      'name',
      'revokedAt',
      'snippet',
      'status',
    ]);
    assert.match(body.key, KEY);
    assert.match(body.id, /^pxk_/);
    assert.equal(body.keyPreview, `pk_${body.key.slice(3, 7)}…${body.key.slice(-4)}`);
    assert.equal(body.name, 'Storefront');
    assert.equal(body.domainId, tenant.domain.id);
    assert.equal(body.status, 'active');
    assert.equal(
      body.snippet,
      '<script>window.tagbridge=window.tagbridge||function(){(tagbridge.q=tagbridge.q||[]).push(arguments)};' +
        `tagbridge('init',{key:'${body.key.replace(/[^A-Za-z0-9_.:-]/g, (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}'});</script>` +
        '<script async src="https://ssp.keys-shop.test/p.js"></script>',
    );

    const row = await service.storage.db
      .selectFrom('pixel_keys')
      .selectAll()
      .where('id', '=', body.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.key_hash, createHash('sha256').update(body.key).digest('hex'));
    assert.ok(!JSON.stringify(row).includes(body.key), 'the key itself is not stored');
    const audit = await auditEntries(service, tenant.org.id, 'pixel_key.create');
    assert.deepEqual(
      audit.map((a) => [a.actor_type, a.actor_id, a.target_id]),
      [['user', admin.userId, body.id]],
    );
  });

  test('list never shows the key; any member (viewer too) may list', async () => {
    const created = (await call(admin, 'POST', keysUrl())).json();
    assert.equal(created.name, 'Website pixel');
    const viewer = await createSession(service, { orgId: tenant.org.id, role: 'viewer' });
    const res = await call(viewer, 'GET', keysUrl());
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes(created.key));
    const listed = res.json().pixelKeys;
    assert.equal(listed[0].id, created.id, 'newest first');
    assert.deepEqual(Object.keys(listed[0]).sort(), [
      'createdAt',
      'domainId',
      'id',
      'keyPreview',
      'lastUsedAt',
      'name',
      'revokedAt',
      'status',
    ]);
  });

  test('members and viewers cannot create or revoke', async () => {
    const created = (await call(admin, 'POST', keysUrl())).json();
    for (const role of ['member', 'viewer'] as const) {
      const session = await createSession(service, { orgId: tenant.org.id, role });
      assert.equal((await call(session, 'POST', keysUrl())).statusCode, 403);
      assert.equal((await call(session, 'DELETE', `${keysUrl()}/${created.id}`)).statusCode, 403);
    }
  });

  test('revoke: success, shown as revoked, the first time kept, audited once', async () => {
    const created = (await call(admin, 'POST', keysUrl())).json();
    const res = await call(admin, 'DELETE', `${keysUrl()}/${created.id}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { success: true });
    const first = (await call(admin, 'GET', keysUrl()))
      .json()
      .pixelKeys.find((k: { id: string }) => k.id === created.id);
    assert.equal(first.status, 'revoked');
    assert.ok(first.revokedAt > 0);
    assert.equal((await call(admin, 'DELETE', `${keysUrl()}/${created.id}`)).statusCode, 200);
    const again = (await call(admin, 'GET', keysUrl()))
      .json()
      .pixelKeys.find((k: { id: string }) => k.id === created.id);
    assert.equal(again.revokedAt, first.revokedAt);
    const audit = await auditEntries(service, tenant.org.id, 'pixel_key.revoke');
    assert.equal(audit.filter((a) => a.target_id === created.id).length, 1);
  });

  test('another org gets 404 for the domain and the key; a key of another domain of the org too', async () => {
    const created = (await call(admin, 'POST', keysUrl())).json();
    const other = await createTenant(service);
    const stranger = await createSession(service, { orgId: other.org.id, role: 'owner' });
    for (const [method, url] of [
      ['GET', keysUrl()],
      ['POST', keysUrl()],
      ['DELETE', `${keysUrl()}/${created.id}`],
      ['DELETE', `${keysUrl(other.domain.id)}/${created.id}`],
    ] as const) {
      const res = await call(stranger, method, url);
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.equal(res.json().error.code, 'not_found');
    }
    assert.equal((await call(admin, 'DELETE', `${keysUrl()}/pxk_nothing`)).statusCode, 404);
    const row = await service.storage.db
      .selectFrom('pixel_keys')
      .select('revoked_at')
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.revoked_at, null);
  });

  test('a bad name is validation_failed', async () => {
    const res = await call(admin, 'POST', keysUrl(), { name: '' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'validation_failed');
  });
});

describe('pixel keys: CLI', () => {
  let service: TestService;
  let tenant: Tenant;

  before(async () => {
    service = await startTestService({ role: 'api' });
    tenant = await createTenant(service);
  });
  after(() => service.destroy());

  test('pk create --json prints exactly {"id","key"} on stdout; pk list and pk revoke', async () => {
    const env = testEnv(service.dataDir, sameDatabaseEnv(service));
    const raw = await runCli(['pk', 'create', '--domain', tenant.domain.id, '--name', 'CLI', '--json'], env);
    assert.equal(raw.code, 0, raw.stderr);
    const lines = raw.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, 'one line on stdout');
    const created = JSON.parse(lines[0]!);
    assert.deepEqual(Object.keys(created), ['id', 'key']);
    assert.match(created.id, /^pxk_/);
    assert.match(created.key, KEY);

    const human = await runCli(['pk', 'create', '--domain', tenant.domain.id], env);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /<script async src="https:\/\/.+\/p\.js"><\/script>/);

    const list = await cliJson(service, ['pk', 'list', '--domain', tenant.domain.id]);
    assert.equal(list.code, 0);
    const listed = list.body as unknown as Array<{ id: string; name: string; status: string }>;
    assert.equal(listed.length, 2);
    assert.ok(!JSON.stringify(listed).includes(created.key));

    const revoked = await cliJson(service, ['pk', 'revoke', '--id', created.id]);
    assert.equal(revoked.code, 0);
    assert.equal(revoked.body.status, 'revoked');
    const audit = await auditEntries(service, tenant.org.id, 'pixel_key.revoke');
    assert.deepEqual(
      audit.map((a) => [a.actor_type, a.actor_id, a.target_id]),
      [['operator', 'cli', created.id]],
    );

    // The running service never saw the key: it is refused from its first request.
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/collect',
      headers: { 'content-type': 'application/json', origin: 'https://shop.example.com' },
      payload: {
        key: created.key,
        page: { url: 'https://shop.example.com/' },
        events: [{ eventName: 'PageVisit' }],
      },
    });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'unauthenticated');

    const missing = await cliJson(service, ['pk', 'revoke', '--id', 'pxk_nothing']);
    assert.equal(missing.code, 2);
    assert.equal(missing.body.error?.code, 'not_found');
  });
});
