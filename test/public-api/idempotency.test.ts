/**
 * Idempotency-Key on POST and PATCH, on the public API (API key) and on the management surface (session):
 * replay without redoing the work, conflict on a different body, concurrent duplicates doing the work once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
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
    // No eventId: every processing would generate a new one, so a replay is recognisable by its body.
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
    assert.equal(second.json().key, first.json().key, 'the replay returns the key minted once');
    const keys = await service.storage.db
      .selectFrom('api_keys')
      .select('id')
      .where('name', '=', 'ERP')
      .execute();
    assert.equal(keys.length, 1);
    // The stored answer carries the key sealed, never in the clear.
    const stored = await service.storage.db.selectFrom('idempotency_keys').select('response_body').execute();
    assert.ok(stored.every((r) => !r.response_body?.includes(first.json().key)));
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
