import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { monthPeriod } from '../../src/storage/repos/usage.js';
import {
  createSession,
  createTenant,
  ManualClock,
  startTestService,
  type TestService,
  type TestSession,
} from '../harness.js';
import { CapturingMailer, confirmLogin, signIn } from './helpers.js';

describe('orgs, settings, members, invites', () => {
  let service: TestService;
  const mailer = new CapturingMailer();

  before(async () => {
    service = await startTestService({ role: 'api', mailer });
  });
  after(() => service.destroy());

  const api = (
    headers: Record<string, string>,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: Record<string, unknown>,
  ) => service.app!.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  test('creating an org: the creator is owner, it becomes current, it starts on free', async () => {
    const headers = await signIn(service, mailer, 'founder@example.com');
    const created = await api(headers, 'POST', '/v1/orgs', { name: '  Acme  ' });
    assert.equal(created.statusCode, 201);
    const org = created.json();
    assert.match(org.id, /^org_/);
    assert.equal(org.name, 'Acme');
    assert.equal(org.role, 'owner');
    assert.equal(org.subscription.plan, 'free');
    assert.equal(org.subscription.monthlyRequestQuota, service.config.planQuotas.free);

    const me = (await api(headers, 'GET', '/v1/auth/me')).json();
    assert.deepEqual(me.currentOrg, { id: org.id, name: 'Acme', role: 'owner' });
    const list = (await api(headers, 'GET', '/v1/orgs')).json();
    assert.deepEqual(
      list.orgs.map((o: { id: string; role: string; current: boolean }) => [o.id, o.role, o.current]),
      [[org.id, 'owner', true]],
    );

    const second = (await api(headers, 'POST', '/v1/orgs', { name: 'Beta' })).json();
    assert.equal((await api(headers, 'GET', '/v1/org/settings')).json().id, second.id);
    const switched = await api(headers, 'POST', '/v1/auth/switch-org', { orgId: org.id });
    assert.equal(switched.statusCode, 200);
    assert.equal(switched.json().name, 'Acme');
    assert.equal((await api(headers, 'GET', '/v1/org/settings')).json().id, org.id);

    // The next sign-in starts in the first org.
    const again = await signIn(service, mailer, 'founder@example.com');
    assert.equal((await api(again, 'GET', '/v1/auth/me')).json().currentOrg.id, org.id);

    const audit = await service.storage.db
      .selectFrom('audit_log')
      .selectAll()
      .where('org_id', '=', org.id)
      .where('action', '=', 'org.create')
      .execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor_id, me.user.id);
  });

  test('privileged or unknown fields are rejected', async () => {
    const tenant = await createTenant(service, { plan: 'starter' });
    const owner = await createSession(service, { orgId: tenant.org.id, role: 'owner' });
    for (const body of [
      { name: 'X', plan: 'enterprise' },
      { name: 'X', id: 'org_other' },
      { org_id: 'org_x' },
      {},
    ]) {
      const res = await api(owner.headers, 'PATCH', '/v1/org/settings', body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, 'validation_failed');
    }
    assert.equal((await api(owner.headers, 'POST', '/v1/orgs', { name: 'X', plan: 'pro' })).statusCode, 400);
    assert.equal((await api(owner.headers, 'PATCH', '/v1/org/settings', { name: '   ' })).statusCode, 400);
    const org = await service.storage.db
      .selectFrom('orgs')
      .selectAll()
      .where('id', '=', tenant.org.id)
      .executeTakeFirstOrThrow();
    assert.equal(org.plan, 'starter');
    assert.equal(org.name, tenant.org.name);

    const renamed = await api(owner.headers, 'PATCH', '/v1/org/settings', { name: 'Renamed shop' });
    assert.equal(renamed.statusCode, 200);
    assert.equal(renamed.json().name, 'Renamed shop');
    assert.equal(renamed.json().subscription.plan, 'starter');
    const [entry] = (await api(owner.headers, 'GET', '/v1/org/audit-log')).json().entries;
    assert.equal(entry.action, 'org.update');
    assert.deepEqual(entry.details, { name: { from: tenant.org.name, to: 'Renamed shop' } });
    assert.equal(entry.actor.id, owner.userId);
    assert.equal(entry.ip, '127.0.0.1');
  });

  test('switching to an org you are not a member of is 404', async () => {
    const mine = await createTenant(service);
    const theirs = await createTenant(service);
    const user = await createSession(service, { orgId: mine.org.id, role: 'viewer' });
    for (const orgId of [theirs.org.id, 'org_doesnotexist']) {
      const res = await api(user.headers, 'POST', '/v1/auth/switch-org', { orgId });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'not_found');
    }
    assert.equal((await api(user.headers, 'GET', '/v1/org/settings')).json().id, mine.org.id);
  });

  test('an invite link joins the org with its role; the invitee lands in it', async () => {
    const tenant = await createTenant(service);
    const admin = await createSession(service, {
      orgId: tenant.org.id,
      role: 'admin',
      email: 'admin@acme.test',
    });
    const invited = await api(admin.headers, 'POST', '/v1/org/members/invite', {
      email: 'New.Hire@Example.com',
      role: 'admin',
    });
    assert.equal(invited.statusCode, 202);
    assert.equal(invited.json().email, 'new.hire@example.com');
    const mail = mailer.sent.at(-1)!;
    assert.equal(mail.to, 'new.hire@example.com');
    assert.match(mail.subject, /invited/);
    assert.match(mail.text, /admin@acme\.test invited you/);
    const open = (await api(admin.headers, 'GET', '/v1/org/members')).json();
    assert.deepEqual(
      open.invites.map((i: { email: string; role: string }) => [i.email, i.role]),
      [['new.hire@example.com', 'admin']],
    );
    // The invitee's own sign-in link does not void the invite.
    await service.app!.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'new.hire@example.com' },
    });
    const cookie = await confirmLogin(service, (await import('./helpers.js')).tokenFrom(mail.text));
    const headers = { cookie: `sc_session=${cookie}`, origin: admin.headers.origin! };
    const me = (await api(headers, 'GET', '/v1/auth/me')).json();
    assert.deepEqual(me.currentOrg, { id: tenant.org.id, name: tenant.org.name, role: 'admin' });
    const members = (await api(admin.headers, 'GET', '/v1/org/members')).json();
    assert.deepEqual(members.members.map((m: { email: string; role: string }) => [m.email, m.role]).sort(), [
      ['admin@acme.test', 'admin'],
      ['new.hire@example.com', 'admin'],
    ]);
    assert.deepEqual(members.invites, []);
    const actions = (await api(admin.headers, 'GET', '/v1/org/audit-log'))
      .json()
      .entries.map((e: { action: string }) => e.action);
    // Entries of one millisecond have no defined order among themselves.
    assert.deepEqual(actions.slice(0, 3).sort(), ['auth.login', 'member.invite', 'member.join']);
  });

  test('invite rules: admins up to admin, owners make owners, members cannot invite, members are not re-invited', async () => {
    const tenant = await createTenant(service);
    const owner = await createSession(service, { orgId: tenant.org.id, role: 'owner' });
    const admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
    const adminOwner = await api(admin.headers, 'POST', '/v1/org/members/invite', {
      email: 'o@example.com',
      role: 'owner',
    });
    assert.equal(adminOwner.statusCode, 403);
    assert.equal(adminOwner.json().error.code, 'forbidden');
    assert.equal(
      (await api(owner.headers, 'POST', '/v1/org/members/invite', { email: 'o@example.com', role: 'owner' }))
        .statusCode,
      202,
    );
    const again = await api(owner.headers, 'POST', '/v1/org/members/invite', {
      email: admin.email,
      role: 'viewer',
    });
    assert.equal(again.statusCode, 400);
    assert.equal(again.json().error.details.field, 'email');
    const bad = await api(owner.headers, 'POST', '/v1/org/members/invite', {
      email: 'x@example.com',
      role: 'root',
    });
    assert.equal(bad.statusCode, 400);
  });

  test('role changes and removal: never your own role, owners by owners, the last owner stays', async () => {
    const tenant = await createTenant(service);
    const owner = await createSession(service, { orgId: tenant.org.id, role: 'owner' });
    const admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
    const member = await createSession(service, { orgId: tenant.org.id, role: 'member' });
    const patch = (who: TestSession, target: TestSession, role: string) =>
      api(who.headers, 'PATCH', `/v1/org/members/${target.userId}`, { role });

    assert.equal((await patch(owner, owner, 'admin')).statusCode, 403, 'own role');
    assert.equal((await patch(admin, admin, 'owner')).statusCode, 403, 'own role');
    assert.equal((await patch(admin, member, 'owner')).statusCode, 403, 'admins do not make owners');
    assert.equal((await patch(admin, owner, 'viewer')).statusCode, 403, 'admins do not demote owners');
    const promoted = await patch(admin, member, 'admin');
    assert.equal(promoted.statusCode, 200);
    assert.equal(promoted.json().role, 'admin');
    assert.equal((await patch(owner, member, 'viewer')).json().role, 'viewer');
    const unknown = await api(owner.headers, 'PATCH', '/v1/org/members/usr_nobody', { role: 'viewer' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(
      (await api(owner.headers, 'PATCH', `/v1/org/members/${member.userId}`, { role: 'viewer', orgId: 'x' }))
        .statusCode,
      400,
    );

    // The only owner cannot leave.
    const leave = await api(owner.headers, 'DELETE', `/v1/org/members/${owner.userId}`);
    assert.equal(leave.statusCode, 403);
    assert.equal(leave.json().error.details.reason, 'last_owner');
    assert.equal((await api(admin.headers, 'DELETE', `/v1/org/members/${owner.userId}`)).statusCode, 403);
    // With a second owner, one may leave; then the other is the last one.
    assert.equal((await patch(owner, admin, 'owner')).statusCode, 200);
    assert.equal((await api(owner.headers, 'DELETE', `/v1/org/members/${owner.userId}`)).statusCode, 204);
    assert.equal((await api(owner.headers, 'GET', '/v1/org/settings')).statusCode, 403, 'no longer a member');
    assert.equal((await api(admin.headers, 'DELETE', `/v1/org/members/${admin.userId}`)).statusCode, 403);

    // A removed member's session loses the org at once.
    assert.equal((await api(admin.headers, 'DELETE', `/v1/org/members/${member.userId}`)).statusCode, 204);
    const gone = await api(member.headers, 'GET', '/v1/org/members');
    assert.equal(gone.statusCode, 403);
    assert.equal((await api(member.headers, 'GET', '/v1/auth/me')).json().currentOrg, null);

    const actions = (await api(admin.headers, 'GET', '/v1/org/audit-log?limit=10'))
      .json()
      .entries.map((e: { action: string; details: unknown }) => e.action);
    assert.deepEqual(actions.sort(), [
      'member.remove',
      'member.remove',
      'member.role_change',
      'member.role_change',
      'member.role_change',
    ]);
  });
});

describe('subscription, usage, daily usage, audit-log paging', () => {
  let service: TestService;
  const clock = new ManualClock();

  before(async () => {
    service = await startTestService({
      role: 'api',
      mailer: new CapturingMailer(),
      clock,
      env: { PLAN_STARTER_MONTHLY_REQUESTS: '1000' },
    });
  });
  after(() => service.destroy());

  test('subscription: plan, status, calendar-month period, quota from configuration', async () => {
    const tenant = await createTenant(service, { plan: 'starter' });
    await service.storage.db
      .updateTable('orgs')
      .set({ subscription_status: 'past_due' })
      .where('id', '=', tenant.org.id)
      .execute();
    const viewer = await createSession(service, { orgId: tenant.org.id, role: 'viewer' });
    const res = await service.app!.inject({
      method: 'GET',
      url: '/v1/org/subscription',
      headers: viewer.headers,
    });
    const period = monthPeriod(clock.now());
    assert.deepEqual(res.json(), {
      plan: 'starter',
      status: 'past_due',
      periodStart: new Date(period.start).toISOString(),
      periodEnd: new Date(period.end).toISOString(),
      monthlyRequestQuota: 1000,
    });
    assert.match(res.json().periodStart, /^\d{4}-\d{2}-01T00:00:00\.000Z$/);
    const unlimited = await createTenant(service, { plan: 'enterprise' });
    const v2 = await createSession(service, { orgId: unlimited.org.id, role: 'viewer' });
    const u = await service.app!.inject({ method: 'GET', url: '/v1/org/usage', headers: v2.headers });
    assert.equal(u.json().monthlyRequestQuota, null);
    assert.equal(u.json().usagePercent, null);
  });

  test('usage: this period only, against the quota; daily usage fills every day', async () => {
    const tenant = await createTenant(service, { plan: 'starter' });
    const other = await createTenant(service, { plan: 'starter' });
    const viewer = await createSession(service, { orgId: tenant.org.id, role: 'viewer' });
    const period = monthPeriod(clock.now());
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    await service.storage.db
      .insertInto('usage_daily')
      .values([
        { org_id: tenant.org.id, day: period.startDay, requests: 100, events: 150 },
        { org_id: tenant.org.id, day: day(period.start + 2 * 86_400_000), requests: 23, events: 30 },
        { org_id: tenant.org.id, day: day(period.start - 86_400_000), requests: 999, events: 999 },
        { org_id: other.org.id, day: period.startDay, requests: 500, events: 500 },
      ])
      .execute();
    const usage = (
      await service.app!.inject({ method: 'GET', url: '/v1/org/usage', headers: viewer.headers })
    ).json();
    assert.equal(usage.requests, 123);
    assert.equal(usage.events, 180);
    assert.equal(usage.monthlyRequestQuota, 1000);
    assert.equal(usage.usagePercent, 12.3);
    assert.equal(usage.quotaExceeded, false);

    const from = day(period.start - 86_400_000);
    const to = day(period.start + 2 * 86_400_000);
    const daily = await service.app!.inject({
      method: 'GET',
      url: `/v1/org/daily-usage?from=${from}&to=${to}`,
      headers: viewer.headers,
    });
    assert.equal(daily.statusCode, 200);
    assert.deepEqual(
      daily.json().days.map((d: { requests: number }) => d.requests),
      [999, 100, 0, 23],
    );
    const defaults = (
      await service.app!.inject({ method: 'GET', url: '/v1/org/daily-usage', headers: viewer.headers })
    ).json();
    assert.equal(defaults.from, period.startDay);
    assert.equal(defaults.to, day(clock.now()));
    for (const query of [
      'from=2030-02-30',
      'from=2030-01-10&to=2030-01-01',
      'from=2020-01-01&to=2030-01-01',
      'to=yesterday',
    ]) {
      const res = await service.app!.inject({
        method: 'GET',
        url: `/v1/org/daily-usage?${query}`,
        headers: viewer.headers,
      });
      assert.equal(res.statusCode, 400, query);
      assert.equal(res.json().error.code, 'validation_failed');
    }
  });

  test('audit log: newest first, cursor pages without gaps or repeats, only this org', async () => {
    const tenant = await createTenant(service);
    const admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
    const other = await createTenant(service);
    const otherOwner = await createSession(service, { orgId: other.org.id, role: 'owner' });
    for (let i = 0; i < 5; i++) {
      // Two writes in the same millisecond: the id breaks the tie.
      await service.app!.inject({
        method: 'PATCH',
        url: '/v1/org/settings',
        headers: admin.headers,
        payload: { name: `Name ${i}` },
      });
      if (i % 2 === 0) clock.advance(1000);
    }
    await service.app!.inject({
      method: 'PATCH',
      url: '/v1/org/settings',
      headers: otherOwner.headers,
      payload: { name: 'Elsewhere' },
    });
    // Pages of one cut through entries of the same millisecond; pages of two do not.
    for (const limit of [1, 2, 50]) {
      const seen: { name: string; at: string }[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/v1/org/audit-log?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await service.app!.inject({ method: 'GET', url, headers: admin.headers })).json();
        assert.ok(page.entries.length <= limit);
        for (const e of page.entries) seen.push({ name: e.details.name.to, at: e.at });
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(
        seen.map((e) => e.name).sort(),
        ['Name 0', 'Name 1', 'Name 2', 'Name 3', 'Name 4'],
        `limit ${limit}`,
      );
      const times = seen.map((e) => e.at);
      assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
      assert.equal(seen.at(-1)!.name, 'Name 0');
    }
    const bad = await service.app!.inject({
      method: 'GET',
      url: '/v1/org/audit-log?cursor=nonsense',
      headers: admin.headers,
    });
    assert.equal(bad.statusCode, 400);
  });
});
