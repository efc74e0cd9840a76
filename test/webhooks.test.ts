/**
 * Outbound webhooks end to end (issue 10 §4): endpoints made through the management API and the CLI,
 * messages received by a local HTTP receiver (loopback, with ALLOW_PRIVATE_NETWORK_TARGETS) and verified
 * with the official `standardwebhooks` library, the retry schedule on a manual clock, 410 and 5 days of
 * failure disabling an endpoint (the owners mailed through a real SMTP server), rotation, bad input, and
 * the bounds of every queue. Tenant isolation and roles of every route: test/management/routes.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { type FakePlatform, startFakeMeta } from '../src/dev/fakes/index.js';
import { dayOf } from '../src/lib/clock.js';
import { Sealer } from '../src/lib/crypto.js';
import { CLI_ACTOR } from '../src/management/audit.js';
import { createWebhookEndpoint } from '../src/management/webhooks/create.js';
import { resealAll } from '../src/storage/repos/key-rotation.js';
import { addUsage } from '../src/storage/repos/usage.js';
import { enqueueWebhookEvent } from '../src/storage/repos/webhooks.js';
import { signingSecrets } from '../src/webhooks/dispatcher.js';
import { emitWebhookEvent } from '../src/webhooks/emit.js';
import type { CliJson } from './cli/helpers.js';
import {
  createSession,
  createTenant,
  eventually,
  ManualClock,
  proxyHeaders,
  purchaseEvent,
  sameDatabaseEnv,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
  testEnv,
} from './harness.js';
import { startSmtpServer, type TestSmtpServer } from './management/smtp.js';
import { runCli } from './processes.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1 answering `status` (changeable), keeping what it received. */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  status: number;
  server: Server;
  close(): Promise<void>;
}> {
  const state = {
    url: '',
    received: [] as Received[],
    status: 200,
    server: null as unknown as Server,
    close: () => new Promise<void>((resolve) => state.server.close(() => resolve())),
  };
  state.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(state.status, { 'content-type': 'text/plain' });
      res.end(state.status === 200 ? 'ok' : `status ${state.status}`);
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', () => resolve()));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/hook`;
  return state;
}

function verify(secret: string, message: Received): Record<string, unknown> {
  const h = message.headers;
  return new Webhook(secret).verify(message.body, {
    'webhook-id': String(h['webhook-id']),
    'webhook-timestamp': String(h['webhook-timestamp']),
    'webhook-signature': String(h['webhook-signature']),
  }) as Record<string, unknown>;
}

const META = { pixelId: '1234567890', accessToken: 'EAAB-good-token-1234' };

describe('webhooks: management API, signing, emission', () => {
  let service: TestService;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let meta: FakePlatform;

  before(async () => {
    receiver = await startReceiver();
    meta = await startFakeMeta({ validTokens: [META.accessToken] });
    service = await startTestService({
      env: {
        ALLOW_PRIVATE_NETWORK_TARGETS: '1',
        META_GRAPH_URL: meta.url,
        PROXY_RATE_LIMIT_PER_MINUTE: '0',
      },
    });
  });
  after(async () => {
    await service.destroy();
    await receiver.close();
    await meta.close();
  });

  async function owner(): Promise<{ tenant: Tenant; orgId: string; session: TestSession }> {
    const tenant = await createTenant(service, { destinations: { meta: META } });
    const session = await createSession(service, { orgId: tenant.org.id, role: 'owner' });
    return { tenant, orgId: tenant.org.id, session };
  }

  async function create(
    session: TestSession,
    body: Record<string, unknown>,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/org/webhooks',
      headers: session.headers,
      payload: body,
    });
    return { status: res.statusCode, json: res.json() };
  }

  test('create shows the secret once (whsec_ + base64 of 32 bytes); list and get never show it', async () => {
    const { session } = await owner();
    const created = await create(session, {
      url: receiver.url,
      eventTypes: ['event.failed', 'destination.needs_attention'],
      description: 'ERP',
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.match(String(created.json.secret), /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(String(created.json.secret).slice(6), 'base64').length, 32);
    assert.deepEqual(created.json.eventTypes, ['event.failed', 'destination.needs_attention']);
    assert.equal(created.json.enabled, true);
    const listed = await service.app!.inject({
      method: 'GET',
      url: '/v1/org/webhooks',
      headers: session.headers,
    });
    assert.equal(listed.statusCode, 200);
    assert.equal(listed.json().webhooks.length, 1);
    assert.ok(!listed.body.includes('whsec_'), 'the list holds no secret');
    const got = await service.app!.inject({
      method: 'GET',
      url: `/v1/org/webhooks/${created.json.id}`,
      headers: session.headers,
    });
    assert.equal(got.json().description, 'ERP');
    assert.ok(!got.body.includes('whsec_'));
  });

  test('a delivered event reaches the endpoint signed per Standard Webhooks, without personal data', async () => {
    const { tenant, session } = await owner();
    const domainId = tenant.domain.id;
    const created = await create(session, {
      url: receiver.url,
      eventTypes: ['event.delivered', 'event.failed'],
    });
    const secret = String(created.json.secret);
    const eventId = `order-wh-${Date.now()}`;
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent({ eventId })] },
    });
    assert.equal(res.statusCode, 200, res.body);
    const message = await eventually(async () =>
      receiver.received.find((m) => m.body.includes(eventId) && m.body.includes('event.delivered')),
    );
    const payload = verify(secret, message);
    assert.equal(payload.type, 'event.delivered');
    assert.match(String(payload.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const data = payload.data as Record<string, unknown>;
    assert.equal(data.eventId, eventId);
    assert.equal(data.eventName, 'Purchase');
    assert.deepEqual(data.domain, { id: domainId });
    assert.equal((data.destination as { type: string }).type, 'meta');
    assert.equal(data.status, 'delivered');
    assert.equal(data.message, null);
    assert.equal(data.attempts, 1);
    // Whole values only: a fragment such as "650" can occur by chance in a message id or timestamp.
    for (const personal of [
      'jane',
      'Jane',
      'example.com',
      '555-1212',
      '6505551212',
      'Menlo',
      '203.0.113.42',
      'fb.1.',
    ])
      assert.ok(!message.body.includes(personal), `no ${personal} in the payload`);
    assert.match(String(message.headers['webhook-id']), /^msg_/);
    assert.match(String(message.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/);
    assert.equal(message.headers['content-type'], 'application/json');
  });

  test('rejected credentials announce destination.needs_attention; ping, attempts and resend', async () => {
    const tenant = await createTenant(service, {
      destinations: { meta: { ...META, accessToken: 'EAAB-revoked-token-9999' } },
    });
    const session = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
    const created = await create(session, { url: receiver.url, eventTypes: ['destination.needs_attention'] });
    const secret = String(created.json.secret);
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent()] },
    });
    assert.equal(res.statusCode, 200);
    const attention = await eventually(async () =>
      receiver.received.find(
        (m) => m.body.includes('destination.needs_attention') && m.body.includes(tenant.destinations.meta!),
      ),
    );
    const payload = verify(secret, attention);
    assert.deepEqual((payload.data as Record<string, unknown>).destination, {
      id: tenant.destinations.meta,
      type: 'meta',
    });

    const ping = await service.app!.inject({
      method: 'POST',
      url: `/v1/org/webhooks/${created.json.id}/test`,
      headers: session.headers,
    });
    assert.equal(ping.statusCode, 202, ping.body);
    const pingId = ping.json().id as string;
    const first = await eventually(async () =>
      receiver.received.find((m) => m.headers['webhook-id'] === pingId),
    );
    assert.deepEqual(verify(secret, first).data, { endpointId: created.json.id });
    const delivered = await eventually(async () => {
      const list = await service.app!.inject({
        method: 'GET',
        url: `/v1/org/webhooks/${created.json.id}/messages?status=delivered`,
        headers: session.headers,
      });
      const found = (list.json().messages as Array<{ id: string }>).find((m) => m.id === pingId);
      return found;
    });
    assert.equal((delivered as unknown as { attempts: number }).attempts, 1);

    const resend = await service.app!.inject({
      method: 'POST',
      url: `/v1/org/webhooks/${created.json.id}/messages/${pingId}/resend`,
      headers: session.headers,
    });
    assert.equal(resend.statusCode, 202, resend.body);
    await eventually(
      async () => receiver.received.filter((m) => m.headers['webhook-id'] === pingId).length === 2,
    );
    const attempts = await eventually(async () => {
      const res = await service.app!.inject({
        method: 'GET',
        url: `/v1/org/webhooks/${created.json.id}/attempts?messageId=${pingId}`,
        headers: session.headers,
      });
      const list = res.json().attempts as Array<Record<string, unknown>>;
      return list.length === 2 ? list : undefined;
    });
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.outcome, a.statusCode, a.responseBody]),
      [
        [2, 'delivered', 200, 'ok'],
        [1, 'delivered', 200, 'ok'],
      ],
    );
  });

  test('rotation: both signatures during the grace period; receivers with either secret verify', async () => {
    const { session } = await owner();
    const created = await create(session, { url: receiver.url, eventTypes: ['event.failed'] });
    const oldSecret = String(created.json.secret);
    const rotated = await service.app!.inject({
      method: 'POST',
      url: `/v1/org/webhooks/${created.json.id}/rotate-secret`,
      headers: session.headers,
    });
    assert.equal(rotated.statusCode, 200, rotated.body);
    const newSecret = rotated.json().secret as string;
    assert.notEqual(newSecret, oldSecret);
    assert.ok(rotated.json().previousSecretValidUntil);
    const ping = await service.app!.inject({
      method: 'POST',
      url: `/v1/org/webhooks/${created.json.id}/test`,
      headers: session.headers,
    });
    const message = await eventually(async () =>
      receiver.received.find((m) => m.headers['webhook-id'] === ping.json().id),
    );
    const signatures = String(message.headers['webhook-signature']).split(' ');
    assert.equal(signatures.length, 2);
    assert.ok(signatures.every((s) => s.startsWith('v1,')));
    verify(newSecret, message);
    verify(oldSecret, message);
  });

  test('bad input answers the error model and changes nothing', async () => {
    const { orgId, session } = await owner();
    const countRows = async () => ({
      endpoints: (
        await service.storage.db
          .selectFrom('webhook_endpoints')
          .select('id')
          .where('org_id', '=', orgId)
          .execute()
      ).length,
      audit: (
        await service.storage.db.selectFrom('audit_log').select('id').where('org_id', '=', orgId).execute()
      ).length,
    });
    const before = await countRows();
    const bad: Array<Record<string, unknown>> = [
      { url: 'ftp://127.0.0.1/hook', eventTypes: ['event.failed'] },
      { url: 'not a url', eventTypes: ['event.failed'] },
      { url: 'https://user:pw@127.0.0.1/hook', eventTypes: ['event.failed'] },
      { url: receiver.url, eventTypes: ['order.shipped'] },
      { url: receiver.url, eventTypes: [] },
      { url: receiver.url },
      { url: receiver.url, eventTypes: ['event.failed'], secret: 'whsec_mine' },
      { url: receiver.url, eventTypes: ['event.failed'], description: 'x'.repeat(501) },
    ];
    for (const body of bad) {
      const res = await create(session, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(res.json)}`);
      const error = res.json.error as Record<string, unknown>;
      assert.equal(error.code, 'validation_failed');
      assert.equal(typeof error.message, 'string');
      assert.equal(typeof error.details, 'object');
    }
    const created = await create(session, { url: receiver.url, eventTypes: ['event.failed'] });
    const patch = await service.app!.inject({
      method: 'PATCH',
      url: `/v1/org/webhooks/${created.json.id}`,
      headers: session.headers,
      payload: { url: 'https://10.0.0.1.nip.invalid/hook' },
    });
    assert.equal(patch.statusCode, 400, patch.body);
    assert.equal(patch.json().error.code, 'validation_failed');
    const unchanged = await service.app!.inject({
      method: 'GET',
      url: `/v1/org/webhooks/${created.json.id}`,
      headers: session.headers,
    });
    assert.equal(unchanged.json().url, receiver.url);
    const after = await countRows();
    assert.deepEqual(after, { endpoints: before.endpoints + 1, audit: before.audit + 1 });
  });

  test('without ALLOW_PRIVATE_NETWORK_TARGETS, http and loopback URLs are refused', async () => {
    const strict = await startTestService({ role: 'api' });
    try {
      const tenant = await createTenant(strict);
      const session = await createSession(strict, { orgId: tenant.org.id, role: 'owner' });
      for (const url of [
        receiver.url,
        'https://127.0.0.1/hook',
        'https://[::1]/hook',
        'http://93.184.216.34/hook',
      ]) {
        const res = await strict.app!.inject({
          method: 'POST',
          url: '/v1/org/webhooks',
          headers: session.headers,
          payload: { url, eventTypes: ['event.failed'] },
        });
        assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
        assert.equal(res.json().error.details.field, 'url');
      }
    } finally {
      await strict.destroy();
    }
  });

  test('CLI: webhook create --json prints {"id","secret"}; list, rotate, attempts, resend, delete', async () => {
    const tenant = await createTenant(service);
    const env = ['--org', tenant.org.id];
    const created = await cliJsonPrivate([
      'webhook',
      'create',
      ...env,
      '--url',
      receiver.url,
      '--events',
      'event.delivered,event.failed',
    ]);
    assert.equal(created.code, 0, JSON.stringify(created.body));
    assert.deepEqual(Object.keys(created.body).sort(), ['id', 'secret']);
    const id = String(created.body.id);
    assert.match(String(created.body.secret), /^whsec_/);
    const listed = await cliJsonPrivate(['webhook', 'list', ...env]);
    assert.deepEqual(
      (listed.body as unknown as Array<{ id: string; eventTypes: string[] }>).map((w) => [
        w.id,
        w.eventTypes,
      ]),
      [[id, ['event.delivered', 'event.failed']]],
    );
    const rotated = await cliJsonPrivate(['webhook', 'rotate', '--id', id]);
    assert.match(String(rotated.body.secret), /^whsec_/);
    assert.notEqual(rotated.body.secret, created.body.secret);
    const { messageIds } = await enqueueWebhookEvent(service.storage.db, {
      orgId: tenant.org.id,
      type: 'event.failed',
      payload: '{"type":"event.failed","timestamp":"2026-01-01T00:00:00.000Z","data":{}}',
      now: Date.now(),
      maxPendingPerEndpoint: 10,
    });
    await eventually(async () => receiver.received.some((m) => m.headers['webhook-id'] === messageIds[0]));
    const attempts = await eventually(async () => {
      const res = await cliJsonPrivate(['webhook', 'attempts', '--id', id]);
      const list = res.body as unknown as Array<{ messageId: string }>;
      return list.length > 0 ? list : undefined;
    });
    assert.equal(attempts[0]!.messageId, messageIds[0]);
    const resent = await cliJsonPrivate(['webhook', 'resend', '--id', id, '--message', messageIds[0]!]);
    assert.equal(resent.body.status, 'pending');
    const wrong = await cliJsonPrivate([
      'webhook',
      'create',
      ...env,
      '--url',
      receiver.url,
      '--events',
      'nope',
    ]);
    assert.equal(wrong.code, 2);
    assert.equal(wrong.body.error?.code, 'validation_failed');
    const deleted = await cliJsonPrivate(['webhook', 'delete', '--id', id]);
    assert.deepEqual(deleted.body, { id, deleted: true });
    const gone = await cliJsonPrivate(['webhook', 'delete', '--id', id]);
    assert.equal(gone.body.error?.code, 'not_found');
  });

  /** `tagbridge <args> --json` on the service's database, with ALLOW_PRIVATE_NETWORK_TARGETS (loopback). */
  async function cliJsonPrivate(args: string[]): Promise<CliJson> {
    const env = testEnv(service.dataDir, { ...sameDatabaseEnv(service), ALLOW_PRIVATE_NETWORK_TARGETS: '1' });
    const result = await runCli([...args, '--json'], env);
    const line = result.stdout.trim().split('\n').pop() ?? '';
    try {
      return { code: result.code, body: JSON.parse(line) };
    } catch {
      throw new Error(
        `tagbridge ${args.join(' ')}: no JSON (exit ${result.code}): ${result.stdout}${result.stderr}`,
      );
    }
  }

  test('an org without endpoints gets nothing, and the per-process subscription cache stays small', async () => {
    const tenant = await createTenant(service);
    const result = await emitWebhookEvent(service.storage.db, {
      orgId: tenant.org.id,
      type: 'order.unmatched',
      data: {
        domain: { id: tenant.domain.id },
        orderId: '1001',
        orderedAt: new Date().toISOString(),
        value: 10,
        currency: 'EUR',
        reason: 'no_event',
      },
      now: Date.now(),
    });
    assert.deepEqual(result, { messageIds: [], refusedEndpointIds: [] });
    assert.deepEqual(await service.webhookSubscriptions.endpointsFor(tenant.org.id, 'event.delivered'), []);
  });

  // Last in this block: it re-seals the whole database under a key the running service does not have.
  test('keys rotate re-seals webhook secrets, current and previous', async () => {
    const { session } = await owner();
    const created = await create(session, { url: receiver.url, eventTypes: ['event.failed'] });
    const id = String(created.json.id);
    const rotated = await service.app!.inject({
      method: 'POST',
      url: `/v1/org/webhooks/${id}/rotate-secret`,
      headers: session.headers,
    });
    const newKey = randomBytes(32);
    const report = await resealAll(
      service.storage.db,
      new Sealer([newKey, ...service.config.encryptionKeys]),
    );
    assert.equal(report.webhookSecrets.failed, 0);
    assert.ok(report.webhookSecrets.resealed >= 2);
    const row = await service.storage.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const onlyNew = new Sealer([newKey]);
    assert.deepEqual(signingSecrets(onlyNew, row, Date.now()), [rotated.json().secret, created.json.secret]);
  });
});

describe('webhooks: the retry schedule, disabling, bounds (manual clock)', () => {
  let service: TestService;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let smtp: TestSmtpServer;
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 10, 0, 0));

  before(async () => {
    receiver = await startReceiver();
    smtp = await startSmtpServer();
    service = await startTestService({
      clock,
      env: {
        ALLOW_PRIVATE_NETWORK_TARGETS: '1',
        SMTP_URL: smtp.url,
        PLAN_FREE_MONTHLY_REQUESTS: '10',
        WEBHOOK_RETENTION_DAYS: '7',
      },
    });
    // The test drives the dispatcher (and the delivery worker's maintenance) itself, one round at a time.
    await service.webhooks!.stop(0);
    await service.worker!.stop(0);
  });
  after(async () => {
    await service.destroy();
    await receiver.close();
    await smtp.close();
  });

  /** The manual clock runs far ahead of the sessions' idle timeout: endpoints come from the use case. */
  const deps = () => ({ ...service, clock });

  async function endpoint(
    types: string[],
    plan?: 'free',
  ): Promise<{ orgId: string; id: string; email: string }> {
    const tenant = await createTenant(service, plan ? { plan } : {});
    const owner = await createSession(service, { orgId: tenant.org.id, role: 'owner' });
    const created = await createWebhookEndpoint(deps(), CLI_ACTOR, {
      orgId: tenant.org.id,
      url: receiver.url,
      eventTypes: types,
    });
    return { orgId: tenant.org.id, id: created.endpoint.id, email: owner.email };
  }

  const message = (id: string) =>
    service.storage.db
      .selectFrom('webhook_messages')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const endpointRow = (id: string) =>
    service.storage.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  async function unmatched(orgId: string): Promise<string[]> {
    const { messageIds } = await emitWebhookEvent(service.storage.db, {
      orgId,
      type: 'order.unmatched',
      data: {
        domain: { id: 'dom_x' },
        orderId: 'A-1',
        orderedAt: new Date(clock.now()).toISOString(),
        value: null,
        currency: null,
        reason: 'not_delivered',
      },
      now: clock.now(),
    });
    return messageIds;
  }

  test('deliveries that die waiting (retry horizon) announce event.failed with status dead', async () => {
    const tenant = await createTenant(service, { destinations: { meta: META } });
    await createWebhookEndpoint(deps(), CLI_ACTOR, {
      orgId: tenant.org.id,
      url: receiver.url,
      eventTypes: ['event.failed'],
    });
    const eventId = `order-dead-${Date.now()}`;
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent({ eventId, eventTime: Math.floor(clock.now() / 1000) - 5 })] },
    });
    assert.equal(res.statusCode, 200, res.body);
    clock.advance(5 * 3600_000);
    await service.worker!.maintenance(clock.now());
    const messages = await service.storage.db
      .selectFrom('webhook_messages')
      .select('payload')
      .where('org_id', '=', tenant.org.id)
      .execute();
    assert.equal(messages.length, 1);
    const body = JSON.parse(messages[0]!.payload);
    assert.equal(body.type, 'event.failed');
    assert.deepEqual(body.data, {
      eventId,
      eventName: 'Purchase',
      domain: { id: tenant.domain.id },
      destination: { id: tenant.destinations.meta, type: 'meta' },
      status: 'dead',
      message: 'retry horizon reached before delivery',
      attempts: 0,
    });
    await service.webhooks!.drain();
  });

  test('a failing endpoint is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (±10 %), then failed', async () => {
    receiver.status = 500;
    const { orgId, id } = await endpoint(['order.unmatched']);
    const [messageId] = await unmatched(orgId);
    const schedule = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
    const sent = () => receiver.received.filter((m) => m.headers['webhook-id'] === messageId);
    await service.webhooks!.drain();
    assert.equal(sent().length, 1);
    for (const [i, delay] of schedule.entries()) {
      const row = await message(messageId!);
      assert.equal(row.status, 'pending');
      assert.equal(row.attempts, i + 1);
      const wait = row.next_attempt_at - clock.now();
      assert.ok(
        wait >= delay * 0.9 && wait <= delay * 1.1,
        `attempt ${i + 2} after ${wait} ms, not ~${delay}`,
      );
      clock.set(row.next_attempt_at - 1);
      await service.webhooks!.drain();
      assert.equal(sent().length, i + 1, 'not before it is due');
      clock.set(row.next_attempt_at);
      await service.webhooks!.drain();
      assert.equal(sent().length, i + 2);
    }
    const final = await message(messageId!);
    assert.equal(final.status, 'failed');
    assert.equal(final.attempts, 8);
    assert.equal(final.last_status_code, 500);
    // The same id on every attempt (receivers deduplicate on it), a fresh timestamp each time.
    assert.equal(new Set(sent().map((m) => m.headers['webhook-id'])).size, 1);
    assert.equal(new Set(sent().map((m) => m.headers['webhook-timestamp'])).size, 8);
    const attempts = await service.storage.db
      .selectFrom('webhook_attempts')
      .select(['attempt', 'outcome', 'status_code', 'response_body'])
      .where('message_id', '=', messageId!)
      .orderBy('attempt')
      .execute();
    assert.deepEqual(
      attempts.map((a) => a.outcome),
      ['retry', 'retry', 'retry', 'retry', 'retry', 'retry', 'retry', 'failed'],
    );
    assert.equal(attempts[0]!.response_body, 'status 500');
    assert.ok((await endpointRow(id)).failing_since !== null);
    receiver.status = 200;
  });

  test('410 Gone disables the endpoint, fails its pending messages, and mails the owners', async () => {
    receiver.status = 410;
    const { orgId, id, email } = await endpoint(['order.unmatched']);
    const [first, second] = [...(await unmatched(orgId)), ...(await unmatched(orgId))];
    await service.webhooks!.drain();
    const row = await endpointRow(id);
    assert.equal(row.enabled, 0);
    assert.equal(row.disabled_reason, 'gone');
    const states = [(await message(first!)).status, (await message(second!)).status];
    assert.deepEqual(states, ['failed', 'failed']);
    const mail = await smtp.nextMailTo(email);
    assert.match(mail.text, /410 Gone/);
    assert.ok(mail.text.includes(id));
    assert.deepEqual(await unmatched(orgId), [], 'a disabled endpoint gets no new messages');
    receiver.status = 200;
  });

  test('5 days of failure disable an endpoint; any success restarts the count', async () => {
    receiver.status = 503;
    const { orgId, id, email } = await endpoint(['order.unmatched']);
    await unmatched(orgId);
    await service.webhooks!.drain();
    const since = (await endpointRow(id)).failing_since;
    assert.equal(since, clock.now());
    receiver.status = 200;
    clock.advance(3 * 24 * 3600_000);
    await unmatched(orgId);
    await service.webhooks!.drain();
    assert.equal((await endpointRow(id)).failing_since, null, 'a success ends the streak');
    receiver.status = 503;
    await unmatched(orgId);
    await service.webhooks!.drain();
    clock.advance(4 * 24 * 3600_000);
    await unmatched(orgId);
    await service.webhooks!.drain();
    assert.equal((await endpointRow(id)).enabled, 1, '4 days of failure are not enough');
    clock.advance(24 * 3600_000);
    await unmatched(orgId);
    await service.webhooks!.drain();
    const row = await endpointRow(id);
    assert.equal(row.enabled, 0);
    assert.equal(row.disabled_reason, 'failing');
    assert.match((await smtp.nextMailTo(email)).text, /failed for 5 days/);
    receiver.status = 200;
  });

  test('usage.quota_warning: once at 80 % and once at 100 % of the monthly quota', async () => {
    const { orgId } = await endpoint(['usage.quota_warning'], 'free');
    const day = dayOf(clock.now());
    await addUsage(service.storage.db, [{ orgId, day, requests: 7, events: 7 }]);
    await service.webhooks!.maintenance(clock.now());
    const warnings = () =>
      service.storage.db
        .selectFrom('webhook_messages')
        .select('payload')
        .where('org_id', '=', orgId)
        .where('event_type', '=', 'usage.quota_warning')
        .orderBy('created_at')
        .execute();
    assert.equal((await warnings()).length, 0, '70 % announces nothing');
    await addUsage(service.storage.db, [{ orgId, day, requests: 1, events: 1 }]);
    await service.webhooks!.maintenance(clock.now());
    await service.webhooks!.maintenance(clock.now());
    await addUsage(service.storage.db, [{ orgId, day, requests: 2, events: 2 }]);
    await service.webhooks!.maintenance(clock.now());
    await service.webhooks!.maintenance(clock.now());
    assert.deepEqual(
      (await warnings()).map((w) => JSON.parse(w.payload).data),
      [
        { thresholdPercent: 80, plan: 'free', limit: 10, used: 8, period: day.slice(0, 7) },
        { thresholdPercent: 100, plan: 'free', limit: 10, used: 10, period: day.slice(0, 7) },
      ],
    );
  });

  test('every queue is bounded: pending messages per endpoint, endpoints per org, retention', async () => {
    const { orgId, id } = await endpoint(['order.unmatched']);
    const enqueue = () =>
      enqueueWebhookEvent(service.storage.db, {
        orgId,
        type: 'order.unmatched',
        payload: '{}',
        now: clock.now(),
        maxPendingPerEndpoint: 2,
      });
    assert.equal((await enqueue()).messageIds.length, 1);
    assert.equal((await enqueue()).messageIds.length, 1);
    assert.deepEqual(await enqueue(), { messageIds: [], refusedEndpointIds: [id] });

    const tenant = await createTenant(service);
    const input = { orgId: tenant.org.id, url: receiver.url, eventTypes: ['event.failed'] };
    for (let i = 0; i < 20; i += 1) await createWebhookEndpoint(deps(), CLI_ACTOR, input);
    await assert.rejects(createWebhookEndpoint(deps(), CLI_ACTOR, input), /at most 20 webhook endpoints/);

    // Retention (WEBHOOK_RETENTION_DAYS=7): delivered messages and attempts older than that go.
    await service.webhooks!.drain();
    const count = async () => ({
      messages: (await service.storage.db.selectFrom('webhook_messages').select('id').execute()).length,
      attempts: (await service.storage.db.selectFrom('webhook_attempts').select('id').execute()).length,
    });
    const beforeRetention = await count();
    assert.ok(beforeRetention.messages > 0 && beforeRetention.attempts > 0);
    clock.advance(8 * 24 * 3600_000);
    await service.webhooks!.maintenance(clock.now());
    assert.deepEqual(await count(), { messages: 0, attempts: 0 });
  });
});
