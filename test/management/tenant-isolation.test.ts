/**
 * For every management route that names a resource by id (rows with `idScoped` in routes.ts): an owner of
 * another org gets 404 not_found, and no table changes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createSession, createTenant, startTestService, type TestService } from '../harness.js';
import { CapturingMailer } from './helpers.js';
import { MANAGEMENT_ROUTES } from './routes.js';

/** Every row of every table but sessions (whose last-seen time a request may touch), order-independent. */
async function snapshot(service: TestService): Promise<Record<string, string[]>> {
  const { db, dialect } = service.storage;
  const tables =
    dialect === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)
      : await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(
          db,
        );
  const out: Record<string, string[]> = {};
  for (const { name } of tables.rows) {
    if (name === 'sessions' || name.startsWith('kysely_')) continue;
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    out[name] = rows.rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

describe('tenant isolation', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ role: 'api', mailer: new CapturingMailer() });
  });
  after(() => service.destroy());

  const scoped = MANAGEMENT_ROUTES.filter((r) => r.idScoped);

  test('there are id-scoped routes to check', () => {
    assert.ok(scoped.length >= 3);
  });

  for (const route of scoped) {
    test(`${route.method} ${route.path}: another org's resource is 404 and stays as it was`, async () => {
      const victim = await createTenant(service);
      const fixture = route.setup ? await route.setup({ service, tenant: victim }) : {};
      const ctx = { service, tenant: victim, fixture };
      const attackerOrg = await createTenant(service);
      const attacker = await createSession(service, { orgId: attackerOrg.org.id, role: 'owner' });
      const before = await snapshot(service);
      assert.ok(before.memberships?.length && before.orgs?.length, 'the snapshot sees the tables');
      const body = route.body?.(ctx);
      const res = await service.app!.inject({
        method: route.method,
        url: route.url(ctx),
        headers: attacker.headers,
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      });
      assert.equal(res.statusCode, 404, res.body);
      assert.equal(res.json().error.code, 'not_found');
      assert.deepEqual(await snapshot(service), before);
    });
  }
});
