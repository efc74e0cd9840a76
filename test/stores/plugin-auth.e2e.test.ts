/**
 * Plugin sign-in (seed 004): silent registration creates new accounts only; an existing account needs
 * its owner's confirmation by mail and the plugin's poll delivers the token once; JWT expiry, refresh
 * rotation, revocation (logout, logout-all, from the dashboard); seed 004's error shape. Time is the
 * harness's manual clock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSession, createTenant, ManualClock, startTestService, type TestService } from '../harness.js';
import { CapturingMailer } from '../management/helpers.js';
import { assertSeedError, call, count, uniqueEmail } from './helpers.js';

const HOUR = 3600_000;

function confirmToken(text: string): string {
  const match = /\/api\/auth\/plugin-confirm\?token=([0-9a-f]+)/.exec(text);
  if (!match) throw new Error(`no confirm link in:\n${text}`);
  return match[1]!;
}

describe('plugin sign-in', () => {
  let service: TestService;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  const mailer = new CapturingMailer();
  before(async () => {
    service = await startTestService({ role: 'api', clock, mailer });
  });
  after(() => service.destroy());

  const register = (email: string, extra: Record<string, unknown> = {}) =>
    call(service, 'POST', '/api/auth/register-from-plugin', {
      body: { email, storeUrl: 'https://yourstore.example', source: 'woo-plugin', ...extra },
    });

  test('a new address gets an account and a working token', async () => {
    const email = uniqueEmail('new');
    const res = await register(email);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.isNewAccount, true);
    assert.equal((res.body.user as { email: string }).email, email);
    assert.match(String(res.body.token), /^eyJ/);
    assert.match(String(res.body.refreshToken), /^tbr_[0-9a-f]{64}$/);
    assert.equal(res.body.expiresIn, 3600);
    const status = await call(service, 'GET', '/api/auth/account-status', { token: String(res.body.token) });
    assert.equal(status.status, 200);
    assert.deepEqual(
      { ...status.body },
      { connected: false, email, plan: 'free', organizationName: 'yourstore.example', channelId: null },
    );
  });

  test('an existing account is never handed out; confirm by mail, then one poll gets the token once', async () => {
    const tenant = await createTenant(service);
    const owner = await createSession(service, {
      orgId: tenant.org.id,
      role: 'owner',
      email: uniqueEmail('owner'),
    });
    const sessionsBefore = await count(service, 'plugin_sessions');
    const res = await register(owner.email.toUpperCase(), { storeUrl: 'https://attacker.example' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.token, null);
    assert.equal(res.body.isNewAccount, false);
    assert.equal(res.body.confirmationRequired, true);
    assert.equal(res.body.refreshToken, undefined);
    const handle = String(res.body.pollHandle);
    assert.match(handle, /^tbp_[0-9a-f]{64}$/);
    assert.equal(await count(service, 'plugin_sessions'), sessionsBefore, 'no session exists yet');

    const mail = mailer.sent.at(-1)!;
    assert.equal(mail.to, owner.email);
    assert.match(mail.text, /Store: https:\/\/attacker\.example/);
    assert.match(mail.text, /Source: woo-plugin/);
    const token = confirmToken(mail.text);

    const poll = () => call(service, 'GET', `/api/auth/account-status?pollHandle=${handle}`);
    let p = await poll();
    assert.equal(p.status, 200);
    assert.equal(p.body.status, 'pending');
    assert.equal(p.body.token, undefined);

    // The mailed link's GET (what a mail scanner does) only shows the page.
    const page = await service.app!.inject({ method: 'GET', url: `/api/auth/plugin-confirm?token=${token}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /attacker\.example/);
    assert.match(page.body, /method="post"/);
    p = await poll();
    assert.equal(p.body.status, 'pending', 'a GET confirms nothing');

    // A cross-site form post is refused.
    const cross = await service.app!.inject({
      method: 'POST',
      url: '/api/auth/plugin-confirm',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      payload: `token=${token}&answer=allow`,
    });
    assert.equal(cross.statusCode, 403);

    const confirm = await service.app!.inject({
      method: 'POST',
      url: '/api/auth/plugin-confirm',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${token}&answer=allow`,
    });
    assert.equal(confirm.statusCode, 200, confirm.body);
    const again = await service.app!.inject({
      method: 'POST',
      url: '/api/auth/plugin-confirm',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${token}&answer=allow`,
    });
    assert.equal(again.statusCode, 401, 'the link works once');

    p = await poll();
    assert.equal(p.status, 200);
    assert.equal(p.body.status, 'confirmed');
    assert.match(String(p.body.token), /^eyJ/);
    assert.equal(p.body.organizationName, 'Test shop');
    const jwt = String(p.body.token);
    const second = await poll();
    assert.equal(second.body.status, 'delivered');
    assert.equal(second.body.token, undefined, 'the token is delivered once');

    const status = await call(service, 'GET', '/api/auth/account-status', { token: jwt });
    assert.equal(status.status, 200);
    assert.equal(status.body.email, owner.email);
  });

  test('declined and expired requests never deliver a token', async () => {
    const tenant = await createTenant(service);
    const owner = await createSession(service, { orgId: tenant.org.id, email: uniqueEmail('decline') });
    const a = await register(owner.email);
    const tokenA = confirmToken(mailer.sent.at(-1)!.text);
    const deny = await service.app!.inject({
      method: 'POST',
      url: '/api/auth/plugin-confirm',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ token: tokenA, answer: 'deny' }),
    });
    assert.equal(deny.statusCode, 200);
    const pa = await call(service, 'GET', `/api/auth/account-status?pollHandle=${a.body.pollHandle}`);
    assert.equal(pa.body.status, 'declined');
    assert.equal(pa.body.token, undefined);

    const b = await register(owner.email);
    const tokenB = confirmToken(mailer.sent.at(-1)!.text);
    clock.advance(31 * 60_000);
    const pb = await call(service, 'GET', `/api/auth/account-status?pollHandle=${b.body.pollHandle}`);
    assert.equal(pb.body.status, 'expired');
    const late = await service.app!.inject({
      method: 'GET',
      url: `/api/auth/plugin-confirm?token=${tokenB}`,
    });
    assert.equal(late.statusCode, 401);

    const unknown = await call(service, 'GET', `/api/auth/account-status?pollHandle=tbp_${'0'.repeat(64)}`);
    assertSeedError(unknown, 404, 'Not Found');
  });

  test('JWT expiry, refresh rotation, logout and logout-all revoke at once', async () => {
    const email = uniqueEmail('jwt');
    const first = await register(email);
    const token = String(first.body.token);
    const refresh = String(first.body.refreshToken);
    assert.equal((await call(service, 'GET', '/api/sync/status', { token })).status, 200);

    clock.advance(HOUR);
    assertSeedError(await call(service, 'GET', '/api/sync/status', { token }), 401, 'Unauthorized');

    const renewed = await call(service, 'POST', '/api/auth/refresh', { body: { refreshToken: refresh } });
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
    const token2 = String(renewed.body.token);
    assert.equal((await call(service, 'GET', '/api/sync/status', { token: token2 })).status, 200);
    assertSeedError(
      await call(service, 'POST', '/api/auth/refresh', { body: { refreshToken: refresh } }),
      401,
      'Unauthorized',
    );

    // Refreshed once more, then logout-all ends the session: JWT and refresh token alike.
    const other = await call(service, 'POST', '/api/auth/refresh', {
      body: { refreshToken: String(renewed.body.refreshToken) },
    });
    const token3 = String(other.body.token);
    const out = await call(service, 'POST', '/api/auth/logout-all', { token: token3 });
    assert.equal(out.status, 200);
    assert.equal(out.body.revoked, 1);
    assertSeedError(await call(service, 'GET', '/api/sync/status', { token: token3 }), 401);
    assertSeedError(
      await call(service, 'POST', '/api/auth/refresh', {
        body: { refreshToken: String(other.body.refreshToken) },
      }),
      401,
    );
    const audit = await service.storage.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'plugin.logout_all')
      .execute();
    assert.ok(audit.length >= 1);

    const solo = await register(uniqueEmail('logout'));
    const soloToken = String(solo.body.token);
    assert.equal((await call(service, 'POST', '/api/auth/logout', { token: soloToken })).status, 200);
    assertSeedError(await call(service, 'GET', '/api/auth/account-status', { token: soloToken }), 401);
  });

  test('the dashboard logs out every plugin session of the signed-in user', async () => {
    const email = uniqueEmail('dash');
    const reg = await register(email);
    const orgId = (
      await service.storage.db
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select('memberships.org_id')
        .where('users.email', '=', email)
        .executeTakeFirstOrThrow()
    ).org_id;
    const session = await createSession(service, { orgId, role: 'owner', email });
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/auth/plugin-sessions/revoke',
      headers: session.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(JSON.parse(res.body).revoked, 1);
    assertSeedError(await call(service, 'GET', '/api/sync/status', { token: String(reg.body.token) }), 401);
  });

  test('seed 004 errors: missing, malformed and forged tokens, bad bodies, the rate limit', async () => {
    assertSeedError(await call(service, 'GET', '/api/sync/status'), 401, 'Unauthorized');
    assertSeedError(
      await call(service, 'GET', '/api/sync/status', { headers: { authorization: 'Basic x' } }),
      401,
    );
    assertSeedError(
      await call(service, 'GET', '/api/sync/status', { token: 'eyJhbGciOiJub25lIn0.e30.' }),
      401,
    );
    assertSeedError(
      await call(service, 'POST', '/api/auth/register-from-plugin', { body: { email: 'x' } }),
      400,
      'Bad Request',
    );
    const email = uniqueEmail('limit');
    for (let i = 0; i < 5; i++) assert.equal((await register(email)).status, i === 0 ? 200 : 202);
    const limited = await register(email);
    assertSeedError(limited, 429, 'Too Many Requests');
    assert.ok(limited.headers['retry-after']);
  });
});
