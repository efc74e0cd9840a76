/**
 * Idempotency-Key on POST and PATCH, on the public API (API key) and on the management surface (session):
 * replay without redoing the work, conflict on a different body, concurrent duplicates doing the work once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { sealContext } from '../../src/http/idempotency.js';
import {
  createSession,
  createTenant,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
} from '../harness.js';
import { apiEvent, bearer, createKey } from './helpers.js';

describe('Idempotency-Key', () => {
  let service: TestService;
  let tenant: Tenant;
  let key: string;
  let admin: TestSession;

  before(async () => {
    service = await startTestService({ role: 'api' });
    tenant = await createTenant(service);
    key = (await createKey(service, tenant.org.id)).key;
    admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
  });
  after(() => service.destroy());

  const postEvents = (payload: unknown, idempotencyKey: string, apiKey = key) =>
    service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: bearer(apiKey, { 'idempotency-key': idempotencyKey }),
      payload: payload as object,
    });
  const storedWithId = async (prefix: string): Promise<number> => {
    const row = await service.storage.db
      .selectFrom('events')
      .select(sql<number>`count(*)`.as('n'))
      .where('event_id', 'like', `${prefix}%`)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  test('same key and body within 24 h: the stored status and body, without doing the work again', async () => {
    // Processed again, both events would be duplicates (the first by its fingerprint): a replay answers
    // "accepted" from the stored body instead.
    const body = [
      apiEvent({ eventId: undefined, eventName: 'PageVisit' }),
      apiEvent({ eventId: 'idem-replay-1' }),
    ];
    const first = await postEvents(body, 'replay-key-1');
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const second = await postEvents(body, 'replay-key-1');
    assert.equal(second.statusCode, 200);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.body, first.body, 'the same body, byte for byte');
    assert.equal(second.json().results[1].status, 'accepted', 'not "duplicate": nothing was processed again');
    assert.equal(await storedWithId('idem-replay-1'), 1);
    // The rate-limit headers describe the current window, replay or not.
    assert.ok(second.headers['x-ratelimit-remaining']);
  });

  test('same key, different body: 422 idempotency_conflict, nothing applied', async () => {
    const first = await postEvents(apiEvent({ eventId: 'idem-conflict-a' }), 'conflict-key');
    assert.equal(first.statusCode, 200);
    const other = await postEvents(apiEvent({ eventId: 'idem-conflict-b' }), 'conflict-key');
    assert.equal(other.statusCode, 422);
    assert.equal(other.json().error.code, 'idempotency_conflict');
    assert.equal(await storedWithId('idem-conflict-b'), 0);
  });

  test('two concurrent identical requests: the work is done once, both get its result', async () => {
    const body = Array.from({ length: 20 }, (_, i) =>
      apiEvent({ eventId: undefined, eventName: 'PageVisit', customData: { i } }),
    );
    const before = await storedWithId('');
    const [a, b] = await Promise.all([
      postEvents(body, 'concurrent-key'),
      postEvents(body, 'concurrent-key'),
    ]);
    assert.equal(a.statusCode, 200);
    assert.equal(b.statusCode, 200);
    assert.equal(a.body, b.body);
    assert.equal(
      [a, b].filter((r) => r.headers['idempotent-replayed'] === 'true').length,
      1,
      'one did the work, the other shared its result',
    );
    assert.equal((await storedWithId('')) - before, 20);
  });

  test('keys are scoped to the API key: another key’s same Idempotency-Key is a new request', async () => {
    const { key: other } = await createKey(service, tenant.org.id);
    await postEvents(apiEvent({ eventId: 'idem-scope-1' }), 'shared-name');
    const res = await postEvents(apiEvent({ eventId: 'idem-scope-2' }), 'shared-name', other);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['idempotent-replayed'], undefined);
    assert.equal(await storedWithId('idem-scope-2'), 1);
  });

  test('error answers are stored too; a malformed key is validation_failed; without the header nothing is stored', async () => {
    const bad = await postEvents([], 'empty-body-key');
    assert.equal(bad.statusCode, 400);
    const replay = await postEvents([], 'empty-body-key');
    assert.equal(replay.statusCode, 400);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    const malformed = await postEvents(apiEvent(), 'x'.repeat(256));
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().error.details.field, 'Idempotency-Key');
    const rows = await service.storage.db
      .selectFrom('idempotency_keys')
      .select(['idem_key', 'status', 'response_body'])
      .execute();
    assert.ok(
      rows.every((r) => r.status === 'completed' && r.response_body?.startsWith('v1.')),
      'bodies are sealed',
    );
  });

  test('management surface (session): POST and PATCH replay; a new API key is not minted twice', async () => {
    const headers = { ...admin.headers, 'idempotency-key': 'mgmt-create-1' };
    const create = () =>
      service.app!.inject({
        method: 'POST',
        url: '/v1/org/custom-events',
        headers,
        payload: { name: 'IdemWebinar' },
      });
    const [a, b] = await Promise.all([create(), create()]);
    assert.equal(a.statusCode, 201);
    assert.equal(b.statusCode, 201);
    assert.equal(a.body, b.body);
    const again = await create();
    assert.equal(again.statusCode, 201, 'not "already exists": the first answer is replayed');
    assert.equal(again.headers['idempotent-replayed'], 'true');

    const id = a.json().id as string;
    const patch = (isActive: boolean) =>
      service.app!.inject({
        method: 'PATCH',
        url: `/v1/org/custom-events/${id}`,
        headers: { ...admin.headers, 'idempotency-key': 'mgmt-patch-1' },
        payload: { isActive },
      });
    assert.equal((await patch(false)).statusCode, 200);
    assert.equal((await patch(false)).headers['idempotent-replayed'], 'true');
    assert.equal((await patch(true)).statusCode, 422);

    const mint = () =>
      service.app!.inject({
        method: 'POST',
        url: '/v1/org/api-keys',
        headers: { ...admin.headers, 'idempotency-key': 'mint-once' },
        payload: { name: 'ERP' },
      });
    const first = await mint();
    const second = await mint();
    assert.equal(first.statusCode, 201);
    assert.equal(second.statusCode, 201);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.json().id, first.json().id, 'the replay names the key minted once');
    const keys = await service.storage.db
      .selectFrom('api_keys')
      .select('id')
      .where('name', '=', 'ERP')
      .execute();
    assert.equal(keys.length, 1);
  });

  /** Every stored answer, opened: what a replay could ever show. */
  const openedAnswers = async (): Promise<string[]> => {
    const rows = await service.storage.db
      .selectFrom('idempotency_keys')
      .select(['scope', 'idem_key', 'response_body'])
      .execute();
    return rows.map((r) =>
      r.response_body === null
        ? ''
        : service.sealer.open<string>(r.response_body, sealContext(r.scope, r.idem_key)),
    );
  };

  test('POST /v1/org/api-keys: a replay shows the key as null with omittedSecrets; the key is never stored', async () => {
    const mint = () =>
      service.app!.inject({
        method: 'POST',
        url: '/v1/org/api-keys',
        headers: { ...admin.headers, 'idempotency-key': 'mint-secret-1' },
        payload: { name: 'Shown once', scopes: ['events:read'] },
      });
    const first = await mint();
    assert.equal(first.statusCode, 201);
    const created = first.json();
    assert.match(created.key, /^sp_[0-9A-Za-z]{32}$/);
    assert.equal(created.omittedSecrets, undefined);

    const replay = await mint();
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.ok(!replay.body.includes(created.key), 'the replay never shows the key');
    const { key: _key, ...fields } = created;
    assert.deepEqual(replay.json(), { ...fields, key: null, omittedSecrets: ['key'] });

    const answers = await openedAnswers();
    assert.ok(
      answers.some((a) => a.includes(created.id)),
      'the answer is stored',
    );
    assert.ok(
      answers.every((a) => !a.includes(created.key)),
      'the key is not stored, not even sealed',
    );
    const raw = await service.storage.db.selectFrom('idempotency_keys').selectAll().execute();
    assert.ok(!JSON.stringify(raw).includes(created.key));
  });

  test('POST /v1/domains and …/regenerate-token: replays show the sync token as null; it is never stored', async () => {
    const host = `idem-${Math.random().toString(36).slice(2, 8)}.shop.test`;
    const create = () =>
      service.app!.inject({
        method: 'POST',
        url: '/v1/domains',
        headers: { ...admin.headers, 'idempotency-key': 'domain-create-1' },
        payload: { host },
      });
    const first = await create();
    assert.equal(first.statusCode, 201);
    const { syncToken } = first.json();
    assert.match(syncToken, /^[0-9a-f]{64}$/);
    const replay = await create();
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.json().syncToken, null);
    assert.deepEqual(replay.json().omittedSecrets, ['syncToken']);
    assert.equal(replay.json().domain.id, first.json().domain.id);
    assert.ok(!replay.body.includes(syncToken));

    const regenerate = () =>
      service.app!.inject({
        method: 'POST',
        url: `/v1/domains/${first.json().domain.id}/regenerate-token`,
        headers: { ...admin.headers, 'idempotency-key': 'domain-regenerate-1' },
      });
    const fresh = await regenerate();
    assert.equal(fresh.statusCode, 200);
    const newToken = fresh.json().syncToken;
    assert.match(newToken, /^[0-9a-f]{64}$/);
    const again = await regenerate();
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), {
      id: first.json().domain.id,
      syncToken: null,
      omittedSecrets: ['syncToken'],
    });

    const answers = await openedAnswers();
    assert.ok(answers.every((a) => !a.includes(syncToken) && !a.includes(newToken)));
  });

  test('an error answer of a route with a secret is stored and replayed as it is', async () => {
    const bad = () =>
      service.app!.inject({
        method: 'POST',
        url: '/v1/org/api-keys',
        headers: { ...admin.headers, 'idempotency-key': 'mint-bad-1' },
        payload: { name: 'Past', expiresAt: '2000-01-01T00:00:00Z' },
      });
    const first = await bad();
    assert.equal(first.statusCode, 400);
    const replay = await bad();
    assert.equal(replay.statusCode, 400);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.body, first.body);
  });

  test('another user in the same org has its own keys', async () => {
    const other = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/org/custom-events',
      headers: { ...other.headers, 'idempotency-key': 'mgmt-create-1' },
      payload: { name: 'OtherUserEvent' },
    });
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers['idempotent-replayed'], undefined);
  });
});
