/**
 * One use case per action: the CLI and the HTTP API give the same answer for the same action, because they
 * call the same function. Each test does the action both ways against one database and compares.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createSession,
  createTenant,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type TestService,
  type TestSession,
} from '../harness.js';
import { auditEntries, cliJson } from './helpers.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-parity-token' };

describe('CLI and HTTP share one use case per action', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ role: 'api' });
  });
  after(async () => {
    await service.destroy();
  });

  const http = (session: TestSession, method: 'POST' | 'PUT', url: string, payload: unknown) =>
    service.app!.inject({
      method,
      url,
      headers: session.headers,
      payload: payload as Record<string, unknown>,
    });

  test('create a domain: same host validation, same uniqueness refusal, both audited', async () => {
    const tenant = await createTenant(service);
    const orgId = tenant.org.id;
    const session = await createSession(service, { orgId, role: 'owner' });

    const badHttp = await http(session, 'POST', '/v1/domains', { host: 'not a host!' });
    const badCli = await cliJson(service, ['domain', 'add', '--org', orgId, '--host', 'not a host!']);
    assert.equal(badHttp.statusCode, 400);
    assert.equal(badCli.code, 2);
    assert.deepEqual(
      { code: badCli.body.error?.code, message: badCli.body.error?.message },
      { code: 'validation_failed', message: 'host not a host! is not a valid host name' },
    );
    assert.deepEqual(
      { code: badHttp.json().error.code, message: badHttp.json().error.message },
      { code: 'validation_failed', message: 'host not a host! is not a valid host name' },
    );

    const badUrlHttp = await http(session, 'POST', '/v1/domains', {
      host: 'ok.parity.test',
      shopUrl: 'ftp://x',
    });
    const badUrlCli = await cliJson(service, [
      'domain',
      'add',
      '--org',
      orgId,
      '--host',
      'ok.parity.test',
      '--shop-url',
      'ftp://x',
    ]);
    assert.equal(badUrlHttp.json().error.message, 'shopUrl must be an http(s) URL');
    // The same rule; the CLI names its flag.
    assert.equal(badUrlCli.body.error?.message, '--shop-url must be an http(s) URL');

    const viaHttp = await http(session, 'POST', '/v1/domains', { host: 'SSP.Http-Parity.test' });
    assert.equal(viaHttp.statusCode, 201);
    const viaCli = await cliJson(service, ['domain', 'add', '--org', orgId, '--host', 'ssp.cli-parity.test']);
    assert.equal(viaCli.code, 0);

    // Each refuses the host the other one added, with the same words.
    const takenByHttp = await cliJson(service, [
      'domain',
      'add',
      '--org',
      orgId,
      '--host',
      'ssp.http-parity.test',
    ]);
    const takenByCli = await http(session, 'POST', '/v1/domains', { host: 'ssp.cli-parity.test' });
    assert.equal(takenByHttp.code, 2);
    assert.equal(takenByCli.statusCode, 400);
    assert.equal(takenByHttp.body.error?.message, 'host ssp.http-parity.test is already configured');
    assert.equal(takenByCli.json().error.message, 'host ssp.cli-parity.test is already configured');
    assert.equal(takenByHttp.body.error?.code, takenByCli.json().error.code);

    const audited = await auditEntries(service, orgId, 'domain.create');
    assert.deepEqual(
      audited.map((a) => [a.actor_type, a.actor_id, a.target_id]),
      [
        ['user', session.userId, viaHttp.json().domain.id],
        ['operator', 'cli', viaCli.body.id],
      ],
    );
  });

  test('set a destination: same config validation, same refusal of a missing domain, both audited', async () => {
    const tenant = await createTenant(service);
    const orgId = tenant.org.id;
    const domainId = tenant.domain.id;
    const session = await createSession(service, { orgId, role: 'owner' });

    const badHttp = await http(session, 'PUT', `/v1/domains/${domainId}/destinations/meta`, {
      config: { pixelId: 1 },
    });
    const badCli = await cliJson(service, [
      'destination',
      'set',
      '--domain',
      domainId,
      '--type',
      'meta',
      '--config',
      '{"pixelId":1}',
    ]);
    assert.equal(badHttp.statusCode, 400);
    assert.equal(badCli.code, 2);
    assert.equal(badCli.body.error?.code, 'validation_failed');
    assert.equal(badCli.body.error?.message, badHttp.json().error.message);
    assert.match(badHttp.json().error.message, /^Invalid meta config: /);

    // A deleted domain takes no destination, whichever way it is asked.
    const doomed = await http(session, 'POST', '/v1/domains', { host: 'doomed.parity.test' });
    const doomedId = doomed.json().domain.id as string;
    const deleted = await service.app!.inject({
      method: 'DELETE',
      url: `/v1/domains/${doomedId}`,
      headers: session.headers,
    });
    assert.equal(deleted.statusCode, 200);
    const goneHttp = await http(session, 'PUT', `/v1/domains/${doomedId}/destinations/meta`, {
      config: META,
    });
    const goneCli = await cliJson(service, [
      'destination',
      'set',
      '--domain',
      doomedId,
      '--type',
      'meta',
      '--config',
      JSON.stringify(META),
    ]);
    assert.equal(goneHttp.statusCode, 404);
    assert.equal(goneCli.code, 2);
    assert.equal(goneCli.body.error?.code, 'not_found');
    assert.equal(goneCli.body.error?.message, goneHttp.json().error.message);

    const okHttp = await http(session, 'PUT', `/v1/domains/${domainId}/destinations/meta`, { config: META });
    const okCli = await cliJson(service, [
      'destination',
      'set',
      '--domain',
      domainId,
      '--type',
      'meta',
      '--config',
      JSON.stringify(META),
    ]);
    assert.equal(okHttp.statusCode, 200);
    assert.equal(okCli.code, 0);
    assert.equal(okCli.body.id, okHttp.json().id, 'the same destination, replaced');
    assert.deepEqual(
      (await auditEntries(service, orgId, 'destination.set')).map((a) => a.actor_type),
      ['user', 'operator'],
    );
  });

  test('replay: an erased event is refused the same way; a rebuildable one is replayed by both', async () => {
    const tenant = await createTenant(service, { destinations: { meta: META } });
    const orgId = tenant.org.id;
    const session = await createSession(service, { orgId, role: 'member' });
    for (const eventId of ['erased-1', 'sealed-1', 'sealed-2']) {
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: { events: [purchaseEvent({ eventId })] },
      });
      assert.equal(res.statusCode, 200);
    }
    const { db } = service.storage;
    const rows = await db
      .selectFrom('deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_pk')
      .select(['d.id', 'e.id as event_pk', 'e.event_id'])
      .where('d.org_id', '=', orgId)
      .execute();
    const byEvent = new Map(rows.map((r) => [r.event_id, r]));
    const erased = byEvent.get('erased-1')!;
    await db
      .updateTable('deliveries')
      .set({ status: 'dead', final_at: Date.now() })
      .where('org_id', '=', orgId)
      .execute();
    await db
      .updateTable('events')
      .set({ pii_sealed: null, pii_slot: null, pii_erased_at: Date.now() })
      .where('id', '=', erased.event_pk)
      .execute();

    const erasedHttp = await http(session, 'POST', '/v1/org/events/replay', { deliveryIds: [erased.id] });
    const erasedCli = await cliJson(service, ['deliveries', 'replay', '--id', erased.id]);
    assert.deepEqual(erasedHttp.json(), { matched: 1, replayed: 0, unavailable: 1 });
    assert.deepEqual(erasedCli.body, { replayed: 0, unavailable: 1 });

    const one = await http(session, 'POST', '/v1/org/events/replay', {
      deliveryIds: [byEvent.get('sealed-1')!.id],
    });
    assert.deepEqual(one.json(), { matched: 1, replayed: 1, unavailable: 0 });
    // The rest of the domain: sealed-2 is replayed, erased-1 still cannot be.
    const rest = await cliJson(service, ['deliveries', 'replay', '--domain', tenant.domain.id]);
    assert.deepEqual(rest.body, { replayed: 1, unavailable: 1 });

    const states = await db
      .selectFrom('deliveries')
      .select(['id', 'status', 'give_up_at', 'next_attempt_at'])
      .where('org_id', '=', orgId)
      .execute();
    const status = new Map(states.map((s) => [s.id, s]));
    assert.equal(status.get(erased.id)?.status, 'dead');
    for (const eventId of ['sealed-1', 'sealed-2']) {
      const row = status.get(byEvent.get(eventId)!.id)!;
      assert.equal(row.status, 'pending');
      // Both give the configured retry horizon from the moment of the replay.
      assert.equal(
        Number(row.give_up_at) - Number(row.next_attempt_at),
        service.config.delivery.retryHorizonMs,
      );
    }
    assert.deepEqual(
      (await auditEntries(service, orgId, 'events.replay')).map((a) => a.actor_type),
      ['user', 'operator', 'user', 'operator'],
    );
  });

  test('replay: the CLI, like the API, touches only the org of what it names', async () => {
    const mine = await createTenant(service, { destinations: { meta: META } });
    const other = await createTenant(service, { destinations: { meta: META } });
    for (const tenant of [mine, other]) {
      await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: { events: [purchaseEvent()] },
      });
    }
    const { db } = service.storage;
    await db
      .updateTable('deliveries')
      .set({ status: 'failed', final_at: Date.now() })
      .where('org_id', 'in', [mine.org.id, other.org.id])
      .execute();
    const otherDelivery = await db
      .selectFrom('deliveries')
      .select('id')
      .where('org_id', '=', other.org.id)
      .executeTakeFirstOrThrow();
    const session = await createSession(service, { orgId: mine.org.id, role: 'owner' });
    const foreign = await http(session, 'POST', '/v1/org/events/replay', { deliveryIds: [otherDelivery.id] });
    assert.equal(foreign.statusCode, 404);
    // Naming mine and the other org's delivery at once: the other's id is not found in my org.
    const mixed = await cliJson(service, [
      'deliveries',
      'replay',
      '--domain',
      mine.domain.id,
      '--id',
      otherDelivery.id,
    ]);
    assert.equal(mixed.code, 2);
    assert.equal(mixed.body.error?.code, 'not_found');
    const statuses = await db
      .selectFrom('deliveries')
      .select('status')
      .where('org_id', 'in', [mine.org.id, other.org.id])
      .execute();
    assert.deepEqual(
      statuses.map((s) => s.status),
      ['failed', 'failed'],
      'nothing replayed',
    );
  });

  test('API-key domain scoping: both refuse another org’s domain; a CLI revocation holds at once', async () => {
    const mine = await createTenant(service);
    const other = await createTenant(service);
    const session = await createSession(service, { orgId: mine.org.id, role: 'owner' });
    const viaHttp = await http(session, 'POST', '/v1/org/api-keys', { name: 'x', domainId: other.domain.id });
    const viaCli = await cliJson(service, [
      'apikey',
      'create',
      '--org',
      mine.org.id,
      '--domain',
      other.domain.id,
    ]);
    assert.equal(viaHttp.statusCode, 404);
    assert.equal(viaCli.code, 2);
    assert.deepEqual(
      { code: viaCli.body.error?.code, message: viaCli.body.error?.message },
      { code: viaHttp.json().error.code, message: viaHttp.json().error.message },
    );
    assert.equal(viaHttp.json().error.code, 'not_found');

    const okHttp = await http(session, 'POST', '/v1/org/api-keys', {
      name: 'mine',
      domainId: mine.domain.id,
    });
    const okCli = await cliJson(service, [
      'apikey',
      'create',
      '--org',
      mine.org.id,
      '--domain',
      mine.domain.id,
    ]);
    assert.equal(okHttp.statusCode, 201);
    assert.equal(okCli.code, 0);
    assert.equal(okCli.body.domainId, okHttp.json().domainId);
    assert.equal(okCli.body.createdBy, 'cli');
    assert.deepEqual(
      (await auditEntries(service, mine.org.id, 'api_key.create')).map((a) => a.actor_type),
      ['user', 'operator'],
    );

    // Revoked by the CLI, refused by the public API at once.
    const revoked = await cliJson(service, ['apikey', 'revoke', '--id', okHttp.json().id]);
    assert.equal(revoked.body.status, 'revoked');
    const read = await service.app!.inject({
      method: 'GET',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${okHttp.json().key}` },
    });
    assert.equal(read.statusCode, 401);
  });

  test('org add-member: the member appears in the API; an existing member is refused as the invite refuses', async () => {
    const tenant = await createTenant(service);
    const orgId = tenant.org.id;
    const owner = await createSession(service, { orgId, role: 'owner' });
    const added = await cliJson(service, [
      'org',
      'add-member',
      '--org',
      orgId,
      '--email',
      'New.Admin@Example.com',
      '--role',
      'admin',
    ]);
    assert.equal(added.code, 0, JSON.stringify(added.body));
    assert.deepEqual([added.body.email, added.body.role], ['new.admin@example.com', 'admin']);
    const members = await service.app!.inject({
      method: 'GET',
      url: '/v1/org/members',
      headers: owner.headers,
    });
    assert.ok(
      members
        .json()
        .members.some(
          (m: { email: string; role: string }) => m.email === 'new.admin@example.com' && m.role === 'admin',
        ),
    );
    const againCli = await cliJson(service, [
      'org',
      'add-member',
      '--org',
      orgId,
      '--email',
      'new.admin@example.com',
    ]);
    const againHttp = await http(owner, 'POST', '/v1/org/members/invite', {
      email: 'new.admin@example.com',
      role: 'member',
    });
    assert.equal(againCli.code, 2);
    assert.equal(againHttp.statusCode, 400);
    assert.deepEqual(
      { code: againCli.body.error?.code, message: againCli.body.error?.message },
      { code: againHttp.json().error.code, message: againHttp.json().error.message },
    );
    const badRole = await cliJson(service, [
      'org',
      'add-member',
      '--org',
      orgId,
      '--email',
      'x@example.com',
      '--role',
      'boss',
    ]);
    assert.equal(badRole.code, 2);
    assert.match(String(badRole.body.error?.message), /^--role must be one of owner, admin, member, viewer/);
    assert.deepEqual(
      (await auditEntries(service, orgId, 'member.add')).map((a) => [a.actor_type, a.actor_id]),
      [['operator', 'cli']],
    );
  });
});
