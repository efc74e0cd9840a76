/**
 * The invite flood (issue 14 §4): a new account with three sessions sent 177 invitation mails in 0.57 s,
 * with attacker text (CR/LF, URLs) from the org name in the subject and body. Invitations are now counted in
 * the database per org and per inviting user per 24 h (every session together, parallel requests too), and
 * the org name stays out of the subject and reaches the body as one defanged line. Real SMTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOrg } from '../../src/storage/repos/orgs.js';
import {
  createSession,
  createTenant,
  ManualClock,
  startTestService,
  type TestService,
  type TestSession,
} from '../harness.js';
import { startSmtpServer, type TestSmtpServer } from '../management/smtp.js';

const HOSTILE_NAME =
  'Acme\r\nBcc: victim@example.org\r\n\r\nYour account is locked: https://evil.example/login';

describe('invitations are limited per org and per user, and the org name is not the mail’s', () => {
  let smtp: TestSmtpServer;
  let service: TestService;
  const clock = new ManualClock(Date.now());
  before(async () => {
    smtp = await startSmtpServer();
    service = await startTestService({
      role: 'api',
      clock,
      env: {
        SMTP_URL: smtp.url,
        INVITE_RATE_LIMIT_PER_ORG_PER_DAY: '5',
        INVITE_RATE_LIMIT_PER_USER_PER_DAY: '8',
        MANAGEMENT_RATE_LIMIT_PER_MINUTE: '1000',
      },
    });
  });
  after(async () => {
    await service.destroy();
    await smtp.close();
  });

  const invite = (session: TestSession, email: string) =>
    service.app!.inject({
      method: 'POST',
      url: '/v1/org/members/invite',
      headers: session.headers,
      payload: { email, role: 'viewer' },
    });

  test('three sessions in parallel: exactly the org’s limit is sent, the rest is 429 rate_limited', async () => {
    const tenant = await createTenant(service, {});
    await service.storage.db
      .updateTable('orgs')
      .set({ name: HOSTILE_NAME })
      .where('id', '=', tenant.org.id)
      .execute();
    const email = 'flooder@example.com';
    const sessions = [
      await createSession(service, { orgId: tenant.org.id, role: 'owner', email }),
      await createSession(service, { orgId: tenant.org.id, role: 'owner', email }),
      await createSession(service, { orgId: tenant.org.id, role: 'owner', email }),
    ];
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) => invite(sessions[i % 3]!, `target${i}@victims.example`)),
    );
    const accepted = results.filter((r) => r.statusCode === 202);
    const refused = results.filter((r) => r.statusCode === 429);
    assert.equal(accepted.length, 5, results.map((r) => `${r.statusCode} ${r.body}`).join('\n'));
    assert.equal(refused.length, 10);
    for (const res of refused) {
      const error = res.json().error;
      assert.equal(error.code, 'rate_limited');
      assert.equal(error.details.scope, 'org');
      assert.equal(error.details.limit, 5);
      assert.ok(Number(res.headers['retry-after']) > 86_000, String(res.headers['retry-after']));
    }

    // Exactly five mails arrived; none carries the org's text in a header or a clickable URL.
    const recipients = accepted.map((r) => r.json().email as string);
    const mails = await Promise.all(recipients.map((to) => smtp.nextMailTo(to)));
    assert.equal(smtp.messages.filter((m) => m.to.some((to) => to.endsWith('@victims.example'))).length, 5);
    for (const mail of mails) {
      const split = mail.text.search(/\r?\n\r?\n/);
      const head = mail.text.slice(0, split);
      const body = mail.text.slice(split);
      assert.match(head, /^Subject: You are invited to an organization on Tagbridge$/m);
      assert.doesNotMatch(head, /Acme|victim@example|evil/, 'no org text in the headers');
      assert.doesNotMatch(head, /^Bcc:/im);
      assert.match(
        body,
        /Organization: Acme Bcc: victim@example\[\.\]org Your account is locked: https\[:\]\/\/evil\[\.\]example\/login\r?\n/,
      );
      assert.doesNotMatch(body, /https:\/\/evil\.example/);
    }
  });

  test('a new org does not reset the inviter’s own limit; 24 h later the org may invite again', async () => {
    const email = 'agency@example.com';
    const first = await createTenant(service, {});
    const owner = await createSession(service, { orgId: first.org.id, role: 'owner', email });
    for (let i = 0; i < 5; i += 1) {
      assert.equal((await invite(owner, `a${i}@clients.example`)).statusCode, 202);
    }
    const orgLimited = await invite(owner, 'a5@clients.example');
    assert.equal(orgLimited.statusCode, 429);
    assert.equal(orgLimited.json().error.details.scope, 'org');

    // The same user in a second org of their own: 3 more (8 per user), then the user's limit.
    const second = await createOrg(service.storage.db, { name: 'Second', plan: 'free', now: clock.now() });
    const inSecond = await createSession(service, { orgId: second.id, role: 'owner', email });
    for (let i = 0; i < 3; i += 1) {
      assert.equal((await invite(inSecond, `b${i}@clients.example`)).statusCode, 202);
    }
    const userLimited = await invite(inSecond, 'b3@clients.example');
    assert.equal(userLimited.statusCode, 429);
    assert.equal(userLimited.json().error.details.scope, 'user');
    assert.equal(userLimited.json().error.details.limit, 8);

    // Another admin of the second org still has the org's remaining two.
    const colleague = await createSession(service, { orgId: second.id, role: 'admin' });
    assert.equal((await invite(colleague, 'c0@clients.example')).statusCode, 202);

    clock.advance(24 * 3600_000 + 1000);
    const fresh = await createSession(service, { orgId: first.org.id, role: 'owner', email });
    assert.equal(
      (await invite(fresh, 'a6@clients.example')).statusCode,
      202,
      'a day later the window is free',
    );
  });
});
