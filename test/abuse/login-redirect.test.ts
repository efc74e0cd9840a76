/**
 * A login redirect with a non-ASCII path (issue 14 §4): `"/✓"` was stored as sent, and the callback's
 * `Location: /✓` failed after the magic link had been used — a raw 500 and a burnt link. The path is now
 * stored URL-encoded, and a stored path that cannot be a Location header falls back to the welcome page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { issueLoginToken } from '../../src/storage/repos/login-tokens.js';
import { startTestService, type TestService } from '../harness.js';
import { CapturingMailer, dashboardOrigin, sessionCookie } from '../management/helpers.js';

describe('login redirects with non-ASCII paths', () => {
  let service: TestService;
  const mailer = new CapturingMailer();
  before(async () => {
    service = await startTestService({ role: 'api', mailer });
  });
  after(() => service.destroy());

  const confirm = (token: string) =>
    service.app!.inject({
      method: 'POST',
      url: '/v1/auth/callback',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: dashboardOrigin(service) },
      payload: new URLSearchParams({ token }).toString(),
    });

  test('"/✓?q=ü#ä" is stored encoded and the callback redirects there (303) with a session', async () => {
    const email = 'unicode@example.com';
    const requested = await service.app!.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { origin: dashboardOrigin(service) },
      payload: { email, redirect: '/✓?q=ü#ä' },
    });
    assert.equal(requested.statusCode, 202, requested.body);
    const res = await confirm(mailer.lastToken(email));
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/%E2%9C%93?q=%C3%BC#%C3%A4');
    assert.ok(sessionCookie(res.headers['set-cookie']), 'signed in');
  });

  test('a non-ASCII path stored before the fix is encoded on the way out: no 500, the link works', async () => {
    const { token } = await issueLoginToken(service.storage.db, {
      email: 'stored-before@example.com',
      purpose: 'login',
      redirect: '/✓',
      now: Date.now(),
      ttlMs: 15 * 60_000,
    });
    const res = await confirm(token);
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/%E2%9C%93');
    assert.ok(sessionCookie(res.headers['set-cookie']));
  });
});
