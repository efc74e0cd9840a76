/**
 * `npx tagbridge keys rotate`: every sealed value (proxy tokens, destination credentials, shop callback
 * tokens, events' personal data) is re-sealed under the new ENCRYPTION_KEY, opened with the old key from
 * ENCRYPTION_KEYS_PREVIOUS; afterwards the service runs with the new key alone.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { Sealer } from '../../src/lib/crypto.js';
import { type Service, startService } from '../../src/main.js';
import {
  createSession,
  createTenant,
  dialect,
  dropSchema,
  proxyHeaders,
  purchaseEvent,
  testEnv,
} from '../harness.js';
import { runCli } from '../processes.js';
import { openEventPayload } from '../sealed-groups.js';

const key = (): string => randomBytes(32).toString('base64');

describe('keys rotate', () => {
  let dataDir: string;
  let schema: string | null;
  const oldKey = key();
  const newKey = key();
  let envOld: Record<string, string>;
  let envRotated: Record<string, string>;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tagbridge-rotate-'));
    schema = dialect === 'postgres' ? `t_${randomBytes(6).toString('hex')}` : null;
    const base = testEnv(dataDir, {
      ...(schema ? { DATABASE_SCHEMA: schema } : {}),
      ALLOW_PRIVATE_NETWORK_TARGETS: 'true',
      PROXY_RATE_LIMIT_PER_MINUTE: '0',
    });
    envOld = { ...base, ENCRYPTION_KEY: oldKey };
    envRotated = { ...base, ENCRYPTION_KEY: newKey, ENCRYPTION_KEYS_PREVIOUS: oldKey };
  });
  after(async () => {
    if (schema) await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (env: Record<string, string>): Promise<Service> =>
    startService(loadConfig(env), { role: 'api', listen: false, ...(schema ? { pgSchema: schema } : {}) });

  test('re-seals everything under the new key; the service then runs on the new key alone', async () => {
    let service = await start(envOld);
    const tenant = await createTenant(service, {
      destinations: {
        meta: { pixelId: '1234567890', accessToken: 'EAAB-rotate-token-1234' },
        tiktok: { pixelCode: 'CTIK123ABC', accessToken: 'tt-rotate-token-5678' },
      },
    });
    const cb = await service.app!.inject({
      method: 'POST',
      url: '/v1/sync/register-callback',
      headers: { authorization: `Bearer ${tenant.syncToken}` },
      payload: { url: 'http://127.0.0.1:9/resync', token: 'callback-token-1' },
    });
    assert.equal(cb.statusCode, 200, cb.body);
    const posted = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [purchaseEvent(), purchaseEvent(), purchaseEvent()] },
    });
    assert.equal(posted.statusCode, 200, posted.body);
    await service.close();

    const rotate = async (env: Record<string, string>) => {
      const result = await runCli(['keys', 'rotate', '--json'], env);
      return { code: result.code, report: JSON.parse(result.stdout.trim()), stderr: result.stderr };
    };
    const first = await rotate(envRotated);
    assert.equal(first.code, 0, first.stderr);
    const newId = new Sealer([Buffer.from(newKey, 'base64')]).currentKeyId;
    assert.equal(first.report.keyId, newId);
    assert.deepEqual(first.report.domains, { resealed: 1, alreadyCurrent: 0, failed: 0 });
    assert.deepEqual(first.report.destinations, { resealed: 2, alreadyCurrent: 0, failed: 0 });
    assert.deepEqual(first.report.callbacks, { resealed: 1, alreadyCurrent: 0, failed: 0 });
    assert.deepEqual(first.report.events, { resealed: 3, alreadyCurrent: 0, failed: 0 });
    assert.deepEqual(first.report.failures, []);

    const again = await rotate(envRotated);
    assert.equal(again.code, 0);
    assert.deepEqual(again.report.events, { resealed: 0, alreadyCurrent: 3, failed: 0 });

    // A key that opens nothing: every value is reported, none is lost, and the exit code says so.
    const wrong = await rotate({ ...envRotated, ENCRYPTION_KEY: key(), ENCRYPTION_KEYS_PREVIOUS: '' });
    assert.equal(wrong.code, 1);
    assert.equal(wrong.report.destinations.failed, 2);
    assert.match(wrong.report.failures[0].error, /No key with id/);

    // Only the new key from now on.
    service = await start({ ...envOld, ENCRYPTION_KEY: newKey });
    try {
      const onlyNew = new Sealer([Buffer.from(newKey, 'base64')]);
      const { db } = service.storage;
      const domain = await db
        .selectFrom('domains')
        .selectAll()
        .where('id', '=', tenant.domain.id)
        .executeTakeFirstOrThrow();
      assert.equal(onlyNew.open(domain.proxy_token_sealed, domain.id), tenant.proxyToken);
      const callback = await db.selectFrom('domain_callbacks').selectAll().executeTakeFirstOrThrow();
      assert.equal(onlyNew.open(callback.token_sealed, callback.domain_id), 'callback-token-1');
      const events = await db.selectFrom('events').selectAll().where('org_id', '=', tenant.org.id).execute();
      assert.equal(events.length, 3);
      for (const event of events) {
        // Sealed with the rest of its request's group, re-sealed under the new key.
        const group = await db
          .selectFrom('pii_groups')
          .select('sealed')
          .where('id', '=', Number(event.pii_group))
          .executeTakeFirstOrThrow();
        assert.equal(Sealer.keyIdOf(group.sealed), onlyNew.currentKeyId);
        assert.equal((await openEventPayload(db, onlyNew, event))?.u.email, 'Jane.Doe@Example.com');
      }
      const owner = await createSession(service, { orgId: tenant.org.id, role: 'owner' });
      const detail = await service.app!.inject({
        method: 'GET',
        url: `/v1/domains/${tenant.domain.id}`,
        headers: owner.headers,
      });
      assert.equal(detail.json().proxyToken, tenant.proxyToken);
      const destinations = await service.app!.inject({
        method: 'GET',
        url: `/v1/domains/${tenant.domain.id}/destinations`,
        headers: owner.headers,
      });
      assert.equal(destinations.statusCode, 200, destinations.body);
      assert.deepEqual(
        destinations
          .json()
          .destinations.map((d: { config: { accessToken: string } }) => d.config.accessToken),
        ['EAAB-****…1234', 'tt-****…5678'],
      );
      const synced = await service.app!.inject({
        method: 'POST',
        url: '/v1/sync/domain-config',
        headers: { authorization: `Bearer ${tenant.syncToken}` },
        payload: { destinations: [] },
      });
      assert.equal(synced.json().domain_token, tenant.proxyToken);
    } finally {
      await service.close();
    }
  });
});
