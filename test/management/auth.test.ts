import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sha256Hex } from '../../src/lib/crypto.js';
import {
  createSession,
  createTenant,
  ManualClock,
  proxyHeaders,
  startTestService,
  type TestService,
} from '../harness.js';
import {
  CapturingMailer,
  confirmLogin,
  dashboardOrigin,
  sessionCookie,
  signIn,
  tokenFrom,
} from './helpers.js';
import { startSmtpServer, type TestSmtpServer } from './smtp.js';

describe('magic-link login over real SMTP', () => {
  let smtp: TestSmtpServer;
  let service: TestService;

  before(async () => {
    smtp = await startSmtpServer();
    service = await startTestService({ role: 'api', env: { SMTP_URL: smtp.url } });
  });
  after(async () => {
    await service.destroy();
    await smtp.close();
  });

  test('mail → confirm page → POST → session cookie → /v1/auth/me', async () => {
    const email = 'Jane.Owner@Example.com';
    const requested = await service.app!.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { origin: dashboardOrigin(service) },
      payload: { email, redirect: '/domains?tab=new' },
    });
    assert.equal(requested.statusCode, 202);
    assert.equal(requested.json().sent, true);

    const mail = await smtp.nextMailTo('jane.owner@example.com');
    assert.match(mail.raw, /Subject: Your Tagbridge sign-in link/);
    assert.match(mail.from, /no-reply@tagbridge\.local/);
    const base = service.config.management.publicBaseUrl;
    assert.ok(mail.text.includes(`${base}/v1/auth/callback?token=`), 'the link points at PUBLIC_BASE_URL');
    const token = tokenFrom(mail.text);
    assert.ok(token.length >= 32, 'at least 128 bits');

    // Stored only as its SHA-256.
    const { db } = service.storage;
    const row = await db
      .selectFrom('login_tokens')
      .selectAll()
      .where('email', '=', 'jane.owner@example.com')
      .executeTakeFirstOrThrow();
    assert.equal(row.token_hash, sha256Hex(token));
    assert.equal(row.used_at, null);
    assert.equal(row.redirect, '/domains?tab=new');

    // The GET (what a mail scanner fetches) shows a confirm form and leaves the token unused.
    const page = await service.app!.inject({ method: 'GET', url: `/v1/auth/callback?token=${token}` });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /<form method="post" action="\/v1\/auth\/callback">/);
    assert.ok(page.body.includes(`name="token" value="${token}"`));
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['referrer-policy'], 'same-origin');
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(
      (
        await db
          .selectFrom('login_tokens')
          .select('used_at')
          .where('id', '=', row.id)
          .executeTakeFirstOrThrow()
      ).used_at,
      null,
    );
    assert.equal(sessionCookie(page.headers['set-cookie']), undefined);

    // The button posts the form.
    const confirmed = await service.app!.inject({
      method: 'POST',
      url: '/v1/auth/callback',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: dashboardOrigin(service) },
      payload: `token=${token}`,
    });
    assert.equal(confirmed.statusCode, 303);
    assert.equal(confirmed.headers.location, '/domains?tab=new');
    const setCookie = String(confirmed.headers['set-cookie']);
    assert.match(setCookie, /^sc_session=[0-9a-f]{64};/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    assert.match(setCookie, /Path=\//);
    assert.match(setCookie, /Max-Age=2592000/);
    assert.doesNotMatch(setCookie, /Secure/, 'plain http: no Secure flag');
    const cookie = sessionCookie(confirmed.headers['set-cookie'])!;
    const session = await db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', sha256Hex(cookie))
      .executeTakeFirstOrThrow();
    assert.match(session.id, /^ses_/);

    const me = await service.app!.inject({
      method: 'GET',
      url: '/v1/auth/me',
      headers: { cookie: `sc_session=${cookie}` },
    });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().user.email, 'jane.owner@example.com');
    assert.match(me.json().user.id, /^usr_/);
    assert.deepEqual(me.json().orgs, []);
    assert.equal(me.json().currentOrg, null);

    const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'auth.login').execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor_id, me.json().user.id);
    assert.equal(audit[0]!.ip, '127.0.0.1');
  });

  test('a known and an unknown address get the same answer (and both a link)', async () => {
    const known = 'known@example.com';
    const { db } = service.storage;
    await db
      .insertInto('users')
      .values({ id: 'usr_known1', email: known, created_at: Date.now(), last_login_at: null })
      .execute();
    const ask = (email: string) =>
      service.app!.inject({ method: 'POST', url: '/v1/auth/login', payload: { email } });
    const a = await ask(known);
    const b = await ask('nobody-yet@example.com');
    assert.equal(a.statusCode, b.statusCode);
    assert.equal(a.body, b.body);
    await smtp.nextMailTo(known);
    const mail = await smtp.nextMailTo('nobody-yet@example.com');
    // The unknown address gets its account on first sign-in.
    await confirmLogin(service, tokenFrom(mail.text));
    assert.ok(
      await db
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'nobody-yet@example.com')
        .executeTakeFirst(),
    );
  });
});

describe('login tokens, limits and sessions', () => {
  let service: TestService;
  const mailer = new CapturingMailer();
  const clock = new ManualClock(Date.UTC(2030, 0, 15, 12));

  before(async () => {
    service = await startTestService({
      role: 'api',
      mailer,
      clock,
      env: { SESSION_IDLE_TIMEOUT_MS: '3600000', SESSION_MAX_AGE_MS: '7200000' },
    });
  });
  after(() => service.destroy());

  const requestLink = (email: string, extra: Record<string, unknown> = {}, remoteAddress = '127.0.0.1') =>
    service.app!.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, ...extra },
      remoteAddress,
    });
  const post = (token: string, contentType: 'json' | 'form' = 'json') =>
    service.app!.inject({
      method: 'POST',
      url: '/v1/auth/callback',
      ...(contentType === 'json'
        ? { payload: { token } }
        : { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${token}` }),
    });

  test('a token works once', async () => {
    await requestLink('once@example.com');
    const token = mailer.lastToken('once@example.com');
    assert.equal((await post(token)).statusCode, 303);
    const again = await post(token);
    assert.equal(again.statusCode, 401);
    assert.equal(again.json().error.code, 'unauthenticated');
    assert.equal(again.json().error.details.reason, 'used');
    // The browser flow gets a page, not JSON.
    const page = await post(token, 'form');
    assert.equal(page.statusCode, 401);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /already been used/);
    const get = await service.app!.inject({ method: 'GET', url: `/v1/auth/callback?token=${token}` });
    assert.equal(get.statusCode, 401);
    assert.match(get.body, /already been used/);
  });

  test('the sign-in form sends a link, and signing in lands on the dashboard', async () => {
    const signInPage = await service.app!.inject({ method: 'GET', url: '/sign-in' });
    assert.equal(signInPage.statusCode, 200);
    assert.match(String(signInPage.headers['content-type']), /^text\/html/);
    assert.match(signInPage.body, /<form method="post" action="\/v1\/auth\/login">/);
    assert.match(signInPage.body, /<input type="email" name="email"/);

    // What the browser posts from that form: an HTML answer, not JSON.
    const email = 'welcome@example.com';
    const sent = await service.app!.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: dashboardOrigin(service) },
      payload: new URLSearchParams({ email }).toString(),
    });
    assert.equal(sent.statusCode, 202, sent.body);
    assert.match(String(sent.headers['content-type']), /^text\/html/);
    assert.match(sent.body, /Check your mail/);
    const badForm = await service.app!.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: dashboardOrigin(service) },
      payload: 'email=not-an-address',
    });
    assert.equal(badForm.statusCode, 400);
    assert.match(String(badForm.headers['content-type']), /^text\/html/);
    assert.match(badForm.body, /valid email address/);

    const confirmed = await post(mailer.lastToken(email));
    assert.equal(confirmed.statusCode, 303);
    const landing = String(confirmed.headers.location);
    assert.equal(landing, '/app');
    const cookie = `sc_session=${sessionCookie(confirmed.headers['set-cookie'])}`;

    // The landing page is the dashboard's shell (its pages are tested in test/browser/dashboard*.test.ts).
    const shell = await service.app!.inject({ method: 'GET', url: landing, headers: { cookie } });
    assert.equal(shell.statusCode, 200);
    assert.match(String(shell.headers['content-type']), /^text\/html/);
    assert.match(shell.body, /<div id="app">/);
    assert.match(shell.body, /<script type="module" src="\/app\/assets\/main-[A-Z0-9]+\.js"><\/script>/);

    // Without a session the page sends the browser to sign in.
    const anonymous = await service.app!.inject({ method: 'GET', url: landing });
    assert.equal(anonymous.statusCode, 303);
    assert.equal(anonymous.headers.location, '/sign-in');
  });

  test('the bad-link page points to a sign-in page that exists', async () => {
    const bad = await service.app!.inject({
      method: 'GET',
      url: `/v1/auth/callback?token=${'e'.repeat(64)}`,
    });
    assert.equal(bad.statusCode, 401);
    const href = /<a href="([^"]+)">sign-in page<\/a>/.exec(bad.body)?.[1];
    assert.equal(href, '/sign-in', bad.body);
    const target = await service.app!.inject({ method: 'GET', url: href });
    assert.equal(target.statusCode, 200);
    assert.match(target.body, /action="\/v1\/auth\/login"/);
  });

  test('a token expires after LOGIN_TOKEN_TTL_MS', async () => {
    await requestLink('late@example.com');
    const token = mailer.lastToken('late@example.com');
    clock.advance(service.config.management.loginTokenTtlMs + 1);
    const res = await post(token);
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.details.reason, 'expired');
  });

  test('a new link voids the older one', async () => {
    await requestLink('twice@example.com');
    const first = mailer.lastToken('twice@example.com');
    await requestLink('twice@example.com');
    const second = mailer.lastToken('twice@example.com');
    assert.notEqual(first, second);
    assert.equal((await post(first)).json().error.details.reason, 'expired');
    assert.equal((await post(second)).statusCode, 303);
  });

  test('unknown tokens and malformed requests', async () => {
    const res = await post('f'.repeat(64));
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.details.reason, 'unknown');
    const noToken = await service.app!.inject({ method: 'POST', url: '/v1/auth/callback', payload: {} });
    assert.equal(noToken.statusCode, 400);
    assert.equal(noToken.json().error.code, 'validation_failed');
    const badEmail = await requestLink('not-an-address');
    assert.equal(badEmail.json().error.code, 'validation_failed');
    for (const redirect of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'dashboard']) {
      const res = await requestLink('redirect@example.com', { redirect });
      assert.equal(res.statusCode, 400, redirect);
      assert.equal(res.json().error.details.field, 'redirect');
    }
    const extra = await requestLink('extra@example.com', { orgId: 'org_x' });
    assert.equal(extra.statusCode, 400);
  });

  test('the sixth request for one address within an hour is 429', async () => {
    const email = 'limited@example.com';
    for (let i = 1; i <= 5; i++) {
      const res = await requestLink(email, {}, `198.51.100.${i}`);
      assert.equal(res.statusCode, 202, `request ${i}`);
      assert.equal(res.headers['x-ratelimit-limit'], '5');
      assert.equal(res.headers['x-ratelimit-remaining'], String(5 - i));
    }
    const sixth = await requestLink('LIMITED@example.com', {}, '198.51.100.77');
    assert.equal(sixth.statusCode, 429);
    assert.equal(sixth.json().error.code, 'rate_limited');
    assert.ok(Number(sixth.headers['retry-after']) > 0);
    assert.equal(sixth.headers['x-ratelimit-remaining'], '0');
    assert.ok(Number(sixth.headers['x-ratelimit-reset']) * 1000 > clock.now());
    // Another address is not affected; an hour later this one works again.
    assert.equal((await requestLink('other@example.com', {}, '198.51.100.78')).statusCode, 202);
    clock.advance(3600_000);
    assert.equal((await requestLink(email, {}, '198.51.100.79')).statusCode, 202);
  });

  test('one IP may ask for LOGIN_RATE_LIMIT_PER_IP_PER_HOUR links an hour', async () => {
    const ip = '203.0.113.9';
    const limit = service.config.management.loginPerIpPerHour;
    for (let i = 0; i < limit; i++)
      assert.equal((await requestLink(`ip${i}@example.com`, {}, ip)).statusCode, 202);
    const over = await requestLink('ip-over@example.com', {}, ip);
    assert.equal(over.statusCode, 429);
    assert.equal(over.json().error.code, 'rate_limited');
    assert.ok(over.headers['retry-after']);
  });

  test('GET on the link never uses it, however often', async () => {
    await requestLink('scanned@example.com');
    const token = mailer.lastToken('scanned@example.com');
    for (let i = 0; i < 3; i++) {
      const page = await service.app!.inject({ method: 'GET', url: `/v1/auth/callback?token=${token}` });
      assert.equal(page.statusCode, 200);
    }
    assert.equal((await post(token, 'form')).statusCode, 303);
  });

  test('sessions end after inactivity', async () => {
    const headers = await signIn(service, mailer, 'idle@example.com');
    const me = () => service.app!.inject({ method: 'GET', url: '/v1/auth/me', headers });
    assert.equal((await me()).statusCode, 200);
    clock.advance(59 * 60_000);
    assert.equal((await me()).statusCode, 200, 'activity keeps it alive');
    clock.advance(61 * 60_000);
    const res = await me();
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'unauthenticated');
  });

  test('sessions end at SESSION_MAX_AGE_MS however active', async () => {
    const headers = await signIn(service, mailer, 'busy@example.com');
    const me = () => service.app!.inject({ method: 'GET', url: '/v1/auth/me', headers });
    for (let i = 0; i < 3; i++) {
      clock.advance(30 * 60_000);
      assert.equal((await me()).statusCode, 200, `after ${(i + 1) * 30} min`);
    }
    clock.advance(29 * 60_000);
    assert.equal((await me()).statusCode, 200, 'after 119 min');
    clock.advance(60_000);
    assert.equal((await me()).statusCode, 401, 'at 120 min');
  });

  test('logout revokes the session server-side and clears the cookie', async () => {
    const headers = await signIn(service, mailer, 'leaving@example.com');
    const out = await service.app!.inject({ method: 'POST', url: '/v1/auth/logout', headers });
    assert.equal(out.statusCode, 204);
    assert.match(String(out.headers['set-cookie']), /^sc_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/);
    // The old cookie value is dead even if a browser kept it.
    assert.equal((await service.app!.inject({ method: 'GET', url: '/v1/auth/me', headers })).statusCode, 401);
    const token = headers.cookie!.slice('sc_session='.length);
    const row = await service.storage.db
      .selectFrom('sessions')
      .select('revoked_at')
      .where('token_hash', '=', sha256Hex(token))
      .executeTakeFirstOrThrow();
    assert.equal(row.revoked_at, clock.now());
    const audit = await service.storage.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'auth.logout')
      .execute();
    assert.equal(audit.length, 1);
  });

  test('a new login replaces the browser’s previous session', async () => {
    const first = await signIn(service, mailer, 'relogin@example.com');
    await requestLink('relogin@example.com');
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/auth/callback',
      headers: { cookie: first.cookie! },
      payload: { token: mailer.lastToken('relogin@example.com') },
    });
    assert.equal(res.statusCode, 303);
    assert.equal(
      (await service.app!.inject({ method: 'GET', url: '/v1/auth/me', headers: first })).statusCode,
      401,
    );
  });

  test('CSRF: a state-changing request with a session cookie from a foreign Origin is 403', async () => {
    const headers = await signIn(service, mailer, 'csrf@example.com');
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/orgs',
      headers: { ...headers, origin: 'https://evil.example' },
      payload: { name: 'Hijacked' },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'forbidden');
    const { referer: _r, origin: _o, ...noOrigin } = headers as Record<string, string>;
    const missing = await service.app!.inject({
      method: 'POST',
      url: '/v1/orgs',
      headers: noOrigin,
      payload: { name: 'X' },
    });
    assert.equal(missing.statusCode, 403, 'a session request must state its origin');
    const ok = await service.app!.inject({
      method: 'POST',
      url: '/v1/orgs',
      headers,
      payload: { name: 'Mine' },
    });
    assert.equal(ok.statusCode, 201);
    // Login CSRF: a foreign page cannot post its own token into this browser.
    await requestLink('attacker@example.com');
    const planted = await service.app!.inject({
      method: 'POST',
      url: '/v1/auth/callback',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      payload: `token=${mailer.lastToken('attacker@example.com')}`,
    });
    assert.equal(planted.statusCode, 403);
    assert.equal(sessionCookie(planted.headers['set-cookie']), undefined);
  });

  test('the 61st request of a session within a minute is 429', async () => {
    const headers = await signIn(service, mailer, 'eager@example.com');
    for (let i = 1; i <= 60; i++) {
      const res = await service.app!.inject({ method: 'GET', url: '/v1/auth/me', headers });
      assert.equal(res.statusCode, 200, `request ${i}`);
    }
    const res = await service.app!.inject({ method: 'GET', url: '/v1/auth/me', headers });
    assert.equal(res.statusCode, 429);
    assert.equal(res.json().error.code, 'rate_limited');
    assert.ok(Number(res.headers['retry-after']) >= 1);
    assert.equal(res.headers['x-ratelimit-limit'], '60');
    assert.equal(res.headers['x-ratelimit-remaining'], '0');
  });

  test('without a session: 401 on every management route', async () => {
    for (const url of ['/v1/auth/me', '/v1/orgs', '/v1/org/settings']) {
      const res = await service.app!.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 401, url);
      assert.equal(res.json().error.code, 'unauthenticated');
    }
  });
});

describe('cookie over https', () => {
  let service: TestService;
  const mailer = new CapturingMailer();
  before(async () => {
    service = await startTestService({ role: 'api', mailer, env: { TRUST_PROXY: 'true' } });
  });
  after(() => service.destroy());

  test('Secure when the request came over https', async () => {
    await service.app!.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'tls@example.com' },
    });
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/auth/callback',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { token: mailer.lastToken('tls@example.com') },
    });
    assert.equal(res.statusCode, 303);
    assert.match(String(res.headers['set-cookie']), /; Secure/);
  });
});

describe('form bodies are accepted by the login callback only', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ role: 'api', mailer: new CapturingMailer() });
  });
  after(() => service.destroy());

  test('the proxy and other management routes stay JSON-only', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const proxy = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(await createTenant(service), form),
      payload: 'events=1',
    });
    assert.equal(proxy.statusCode, 400);
    assert.equal(proxy.json().error.code, 'invalid_payload');
    // Only the sign-in and callback forms take form bodies; the rest of the management API does not.
    const { headers } = await createSession(service);
    const orgs = await service.app!.inject({
      method: 'POST',
      url: '/v1/orgs',
      headers: { ...headers, ...form },
      payload: 'name=Acme',
    });
    assert.equal(orgs.statusCode, 415);
    assert.equal(orgs.json().error.code, 'unsupported_media_type');
  });
});
