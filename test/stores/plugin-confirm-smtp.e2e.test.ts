/**
 * The confirmation of a plugin's request for an existing account, through a real SMTP exchange: the owner's
 * mail names the store and the source, and its link (GET page, then POST) lets the plugin's poll collect
 * its token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSession, createTenant, startTestService, type TestService } from '../harness.js';
import { startSmtpServer, type TestSmtpServer } from '../management/smtp.js';
import { call, uniqueEmail } from './helpers.js';

describe('plugin confirmation by mail (SMTP)', () => {
  let service: TestService;
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await startSmtpServer();
    service = await startTestService({ role: 'api', env: { SMTP_URL: smtp.url } });
  });
  after(async () => {
    await service.destroy();
    await smtp.close();
  });

  test('mail → confirm page → POST → poll gets the token', async () => {
    const tenant = await createTenant(service);
    const owner = await createSession(service, { orgId: tenant.org.id, email: uniqueEmail('smtp') });
    const waiting = smtp.nextMailTo(owner.email);
    const res = await call(service, 'POST', '/api/auth/register-from-plugin', {
      body: { email: owner.email, storeUrl: 'https://shop.smtp.example', source: 'woo-plugin' },
    });
    assert.equal(res.status, 202);
    assert.equal(res.body.token, null);
    const mail = await waiting;
    assert.match(mail.text, /Store: https:\/\/shop\.smtp\.example/);
    assert.match(mail.text, /Source: woo-plugin/);
    const link = /(https?:\/\/\S+\/api\/auth\/plugin-confirm\?token=[0-9a-f]+)/.exec(mail.text)?.[1];
    assert.ok(link, mail.text);
    const url = new URL(link);
    const page = await service.app!.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    assert.equal(page.statusCode, 200);
    const token = url.searchParams.get('token')!;
    const confirm = await service.app!.inject({
      method: 'POST',
      url: '/api/auth/plugin-confirm',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${token}&answer=allow`,
    });
    assert.equal(confirm.statusCode, 200);
    const poll = await call(service, 'GET', `/api/auth/account-status?pollHandle=${res.body.pollHandle}`);
    assert.equal(poll.body.status, 'confirmed');
    assert.match(String(poll.body.token), /^eyJ/);
  });
});
