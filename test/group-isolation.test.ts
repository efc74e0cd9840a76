/**
 * A group commit holds many requests, often of different shops. When the database refuses one request's
 * rows, the transaction rolls back for all of them; the writer then splits the group until only the
 * refusing request fails (issue 14: "no request ever fails because of another tenant's input").
 *
 * Validation already refuses every input known to fail a dialect (NUL, see nul-bytes.test.ts), so the
 * database here is made to refuse rows with a trigger: the failure is the database's own, on both dialects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import {
  createTenant,
  dialect,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from './harness.js';

async function installPoisonTrigger(service: TestService): Promise<void> {
  const db = service.storage.db;
  if (dialect === 'postgres') {
    await sql
      .raw(`CREATE FUNCTION refuse_poison() RETURNS trigger AS $$
        BEGIN
          IF NEW.event_id LIKE 'poison-%' THEN
            RAISE EXCEPTION 'poison event refused' USING ERRCODE = '22023';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql`)
      .execute(db);
    await sql
      .raw(
        'CREATE TRIGGER refuse_poison BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_poison()',
      )
      .execute(db);
  } else {
    await sql
      .raw(`CREATE TRIGGER refuse_poison BEFORE INSERT ON events
        WHEN NEW.event_id LIKE 'poison-%'
        BEGIN SELECT RAISE(ABORT, 'poison event refused'); END`)
      .execute(db);
  }
}

async function storedEventIds(service: TestService, orgId: string): Promise<string[]> {
  const rows = await service.storage.db
    .selectFrom('events')
    .select('event_id')
    .where('org_id', '=', orgId)
    .execute();
  return rows.map((r) => r.event_id).sort();
}

describe('a failed group commit fails only the request whose rows the database refused', () => {
  let service: TestService;
  let attacker: Tenant;
  let shop: Tenant;

  before(async () => {
    // A long collection window so the concurrent requests below share groups.
    service = await startTestService({
      env: { PROXY_RATE_LIMIT_PER_MINUTE: '0', GROUP_COMMIT_MAX_WAIT_MS: '30' },
    });
    attacker = await createTenant(service);
    shop = await createTenant(service);
    await installPoisonTrigger(service);
  });
  after(async () => {
    await service.destroy();
  });

  test("the other shop's requests and the attacker's own good requests all succeed", async () => {
    const send = (tenant: Tenant, eventId: string) =>
      service
        .app!.inject({
          method: 'POST',
          url: '/v1/events',
          headers: proxyHeaders(tenant),
          payload: { events: [purchaseEvent({ eventId })] },
        })
        .then((r) => r.statusCode);
    const poisoned: Array<Promise<number>> = [];
    const good: Array<Promise<number>> = [];
    const attackerGood: Array<Promise<number>> = [];
    for (let i = 0; i < 40; i++) {
      poisoned.push(send(attacker, `poison-${i}`));
      good.push(send(shop, `shop-${i}`));
      attackerGood.push(send(attacker, `fine-${i}`));
    }
    assert.deepEqual(new Set(await Promise.all(good)), new Set([200]));
    assert.deepEqual(new Set(await Promise.all(attackerGood)), new Set([200]));
    // The refused request answers the 500 of a storage failure, and stores nothing.
    assert.deepEqual(new Set(await Promise.all(poisoned)), new Set([500]));

    const shopIds = await storedEventIds(service, shop.org.id);
    assert.equal(shopIds.length, 40);
    const attackerIds = await storedEventIds(service, attacker.org.id);
    assert.equal(attackerIds.length, 40);
    assert.ok(attackerIds.every((id) => id.startsWith('fine-')));
    // The requests really shared groups: without the split, the shop's requests would have failed.
    assert.ok(service.writer.stats.isolations > 0, 'no group was split: the requests never shared a group');
  });

  test('a request holding a refused event and good ones fails whole: nothing of it is stored', async () => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(attacker),
      payload: {
        events: [purchaseEvent({ eventId: 'mixed-1' }), purchaseEvent({ eventId: 'poison-mixed' })],
      },
    });
    assert.equal(res.statusCode, 500);
    assert.ok(!(await storedEventIds(service, attacker.org.id)).includes('mixed-1'));
  });
});
