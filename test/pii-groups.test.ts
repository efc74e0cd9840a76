/**
 * One sealed value per ingest group (src/storage/pii-groups.ts), on both dialects: a request's events
 * share one `pii_groups` row, a slot each; a person's erasure blanks that person's entry in it and keeps
 * the others'; the row goes with its last live slot, also when retention deletes the events; groups older
 * than the event retention are swept.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { payloadOfEntry } from '../src/ingest/sealed-payload.js';
import { openGroup } from '../src/storage/pii-groups.js';
import { eraseEventSeals } from '../src/storage/repos/person-data.js';
import { deleteGroupsBefore } from '../src/storage/repos/pii-groups.js';
import { deleteEventsRolledUp } from '../src/storage/repos/retention.js';
import { createTenant, proxyHeaders, purchaseEvent, startTestService, type TestService } from './harness.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-good-token-1234' };

describe('sealed groups of personal data', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ role: 'api', env: { PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
  });
  after(async () => {
    await service.destroy();
  });

  /** Sends one request of events for these addresses; returns their rows in the same order. */
  const send = async (destinations: Record<string, Record<string, unknown>>, emails: string[]) => {
    const tenant = await createTenant(service, { plan: 'enterprise', destinations });
    const events = emails.map((email) => purchaseEvent({ userData: { email, ipAddress: '203.0.113.42' } }));
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events },
    });
    assert.equal(res.statusCode, 200, res.body);
    const rows = await service.storage.db
      .selectFrom('events')
      .select(['id', 'event_id', 'pii_sealed', 'pii_group', 'pii_slot', 'pii_erased_at'])
      .where('org_id', '=', tenant.org.id)
      .execute();
    return events.map((e) => rows.find((r) => r.event_id === e.eventId)!);
  };
  const group = (id: number | string | null) =>
    service.storage.db
      .selectFrom('pii_groups')
      .select(['id', 'sealed', 'pending'])
      .where('id', '=', Number(id))
      .executeTakeFirst();
  const emailsIn = (sealed: Buffer) =>
    openGroup(service.sealer, sealed).map((entry) =>
      entry === null ? null : (payloadOfEntry(entry[1]).u.email ?? null),
    );
  const erase = (ids: string[]) =>
    eraseEventSeals(service.storage.db, service.storage.dialect, service.sealer, ids, Date.now());

  test("a request's events share one sealed group; a person's erasure blanks that entry, keeps the others", async () => {
    const [a, b, c] = await send({ meta: META }, [
      'a@groups.example',
      'b@groups.example',
      'c@groups.example',
    ]);
    for (const row of [a!, b!, c!]) {
      assert.equal(row.pii_sealed, null, 'not sealed on its own');
      assert.equal(Number(row.pii_group), Number(a!.pii_group), 'one group for the request');
    }
    assert.deepEqual([a!.pii_slot, b!.pii_slot, c!.pii_slot].sort(), [0, 1, 2], 'a slot each');
    const stored = await group(a!.pii_group);
    assert.equal(stored?.pending, 3);
    assert.equal(stored.sealed.includes(Buffer.from('b@groups.example')), false, 'sealed, not in clear');

    assert.deepEqual(await erase([b!.id]), { events: 1, deliveries: 1 });
    const afterOne = await group(a!.pii_group);
    assert.equal(afterOne?.pending, 2);
    const emails = emailsIn(afterOne.sealed);
    assert.equal(emails[b!.pii_slot!], null, "the erased person's entry is gone from the sealed value");
    assert.equal(emails[a!.pii_slot!], 'a@groups.example');
    assert.equal(emails[c!.pii_slot!], 'c@groups.example');
    assert.notDeepEqual(afterOne.sealed, stored.sealed, 're-sealed');

    // Erasing the same event again releases nothing more.
    await erase([b!.id]);
    assert.equal((await group(a!.pii_group))?.pending, 2);

    await erase([a!.id, c!.id]);
    assert.equal(await group(a!.pii_group), undefined, 'deleted with its last live slot');
    const erased = await service.storage.db
      .selectFrom('events')
      .select(['pii_slot', 'pii_erased_at'])
      .where('id', 'in', [a!.id, b!.id, c!.id])
      .execute();
    assert.ok(erased.every((row) => row.pii_slot === null && row.pii_erased_at !== null));
  });

  test('retention deleting the events releases their slots; groups older than the retention are swept', async () => {
    // No destination: nothing pending, so retention may delete the events at once.
    const [a, b] = await send({}, ['r1@groups.example', 'r2@groups.example']);
    assert.equal((await group(a!.pii_group))?.pending, 2);
    const deleted = await deleteEventsRolledUp(service.storage.db, service.storage.dialect, [a!.id, b!.id]);
    assert.equal(deleted.events, 2);
    assert.equal(await group(a!.pii_group), undefined);

    const [kept] = await send({}, ['r3@groups.example']);
    const { db } = service.storage;
    const old = await db
      .insertInto('pii_groups')
      .values({ sealed: Buffer.from([2, 0]), pending: 1, created_at: Date.now() - 40 * 86_400_000 })
      .returning('id')
      .executeTakeFirstOrThrow();
    assert.equal(await deleteGroupsBefore(db, Date.now() - 30 * 86_400_000), 1);
    assert.equal(await group(old.id), undefined);
    assert.equal((await group(kept!.pii_group))?.pending, 1, 'a recent group stays');
  });
});
