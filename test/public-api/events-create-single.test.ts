/**
 * POST /api/v1/events with one event object (docs/public-api.md): an event that cannot be accepted is the
 * request's error — its status and the one error body — never a 200 carrying `"success": false`, which a
 * client checking only the status would take for success. An array, even of one, keeps its per-event results.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createDomain } from '../../src/storage/repos/domains.js';
import { createTenant, startTestService, type Tenant, type TestService } from '../harness.js';
import { apiEvent, bearer, createKey } from './helpers.js';

describe('POST /api/v1/events: a single event that fails', () => {
  let service: TestService;
  let tenant: Tenant;
  let key: string;

  before(async () => {
    service = await startTestService({ role: 'api' });
    tenant = await createTenant(service);
    key = (await createKey(service, tenant.org.id)).key;
  });
  after(() => service.destroy());

  const post = (payload: unknown, headers: Record<string, string> = bearer(key)) =>
    service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(payload),
    });

  const storedWithId = async (eventId: string): Promise<number> => {
    const row = await service.storage.db
      .selectFrom('events')
      .select(sql<number>`count(*)`.as('n'))
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  test('an undefined custom event: 404 event_not_found with the error body; nothing stored', async () => {
    const res = await post(apiEvent({ eventName: 'InitiateCheckout', eventId: 'single_ic_1' }));
    assert.equal(res.statusCode, 404);
    const body = res.json();
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.code, 'event_not_found');
    assert.match(body.error.message, /InitiateCheckout/);
    assert.deepEqual(body.error.details, { eventName: 'InitiateCheckout' });
    assert.equal(await storedWithId('single_ic_1'), 0);
  });

  test('an eventTime out of the window: 400 validation_failed on eventTime', async () => {
    const res = await post(
      apiEvent({ eventId: 'single_old_1', eventTime: Math.floor(Date.now() / 1000) - 2 * 86_400 }),
    );
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'validation_failed');
    assert.equal(res.json().error.details.field, 'eventTime');
    assert.equal(await storedWithId('single_old_1'), 0);
  });

  test('a field of the wrong type: 400 validation_failed naming the field', async () => {
    const res = await post(apiEvent({ customData: { value: '49.99' } }));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'validation_failed');
    assert.equal(res.json().error.details.field, 'customData.value');
  });

  test('a domain the key may not write to: 403 forbidden', async () => {
    const org = await createTenant(service);
    const second = await createDomain(service.storage.db, service.sealer, {
      orgId: org.org.id,
      host: `single-${Math.random().toString(36).slice(2)}.test`,
      now: Date.now(),
    });
    service.domains.invalidate();
    const { key: restricted } = await createKey(service, org.org.id, { domainId: second.domain.id });
    const res = await post(apiEvent({ domainId: org.domain.id }), bearer(restricted));
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'forbidden');
    assert.equal(res.json().error.details.field, 'domainId');
  });

  test('accepted and duplicate single events stay 200 with success true', async () => {
    const event = apiEvent({ eventId: 'single_ok_1' });
    const first = await post(event);
    assert.equal(first.statusCode, 200);
    assert.equal(first.json().success, true);
    const again = await post(event);
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().success, true);
    assert.equal(again.json().duplicate, true);
  });

  test('the same failing event in an array of one: 200 with its failed result (bulk semantics)', async () => {
    const res = await post([apiEvent({ eventName: 'InitiateCheckout', eventId: 'bulk_ic_1' })]);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.success, false);
    assert.deepEqual(body.summary, { accepted: 0, duplicate: 0, failed: 1 });
    assert.equal(body.results[0].status, 'failed');
    assert.equal(body.results[0].error.code, 'event_not_found');
  });
});
