/**
 * The delivery worker's bookkeeping (leases, outcomes, erasure) commits without waiting for the disk
 * (Storage.withAsyncCommit), so a drain does not pay two fsyncs per batch on the event loop; everything
 * else keeps the configured durability. The accepted events themselves are committed by the outbox
 * (synchronous=FULL on its own connection, checked in durability.test.ts).
 *
 * SQLite: the level each statement ran with is read from the connection itself, as the statement is
 * prepared. PostgreSQL: the session setting must not leak into the pool.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type FakePlatform, startFakeMeta } from '../src/dev/fakes/index.js';
import { createOrg } from '../src/storage/repos/orgs.js';
import {
  createTenant,
  deliveryOfEvent,
  dialect,
  eventually,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from './harness.js';
import { onSqliteExecute } from './sqlite-executions.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-good-token-1234' };
// better-sqlite3's answer to `pragma synchronous`: 1 NORMAL, 2 FULL.
const NORMAL = 1;
const FULL = 2;

describe('delivery bookkeeping commits asynchronously; nothing else does', () => {
  let fake: FakePlatform;
  let service: TestService;
  let tenant: Tenant;
  /** SQLite: [statement kind, synchronous level of the connection when it ran]. */
  const seen: Array<[string, number]> = [];

  before(async () => {
    fake = await startFakeMeta({ validTokens: [META.accessToken] });
    service = await startTestService({
      // The harness relaxes SQLite for speed; this test needs the production default to tell them apart.
      env: { META_GRAPH_URL: fake.url, PROXY_RATE_LIMIT_PER_MINUTE: '0', SQLITE_SYNCHRONOUS: 'FULL' },
    });
    const handle = service.storage.sqlite;
    if (handle) {
      onSqliteExecute(handle, (source) => {
        const kind = /^\s*update\s+"?deliveries"?\s+set\s+"?lease_owner/i.test(source)
          ? 'lease'
          : /^\s*update\s+"?deliveries"?\s+set\s+"?status"?\s*=\s*(v\.status|\?),\s*"?attempts/i.test(source)
            ? 'outcomes'
            : /^\s*update\s+"events"\s+set\s+"pii_sealed"/i.test(source)
              ? 'erasure'
              : /^\s*insert\s+into\s+"orgs"/i.test(source)
                ? 'management'
                : null;
        if (kind) seen.push([kind, handle.pragma('synchronous', { simple: true }) as number]);
      });
    }
    // After the observer: its statements are prepared through it, so each of their runs is seen.
    tenant = await createTenant(service, { destinations: { meta: META } });
  });
  after(async () => {
    await service.destroy();
    await fake.close();
  });

  test('a drain leases, records and erases asynchronously, and the connection is back to FULL after', async () => {
    const event = purchaseEvent();
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events: [event] },
    });
    assert.equal(res.statusCode, 200, res.body);
    const delivery = await eventually(async () => {
      const d = await deliveryOfEvent(service, event.eventId as string);
      return d.status === 'delivered' ? d : undefined;
    });
    assert.equal(delivery.attempts, 1);
    assert.equal(fake.received.length, 1);
    if (dialect === 'postgres') return;

    const levels = (kind: string) => seen.filter(([k]) => k === kind).map(([, level]) => level);
    assert.ok(levels('lease').length > 0, 'the lease statement was not seen');
    assert.deepEqual(new Set(levels('lease')), new Set([NORMAL]));
    assert.deepEqual(new Set(levels('outcomes')), new Set([NORMAL]));
    assert.deepEqual(new Set(levels('erasure')), new Set([NORMAL]));
    assert.equal(service.storage.sqlite!.pragma('synchronous', { simple: true }), FULL);
  });

  test('a management write right after a drain commits with the configured level', async () => {
    const from = seen.length;
    await createOrg(service.storage.db, { name: 'After the drain', plan: 'pro', now: Date.now() });
    if (dialect === 'postgres') return;
    assert.deepEqual(
      seen
        .slice(from)
        .filter(([kind]) => kind === 'management')
        .map(([, level]) => level),
      [FULL],
    );
  });

  test('PostgreSQL: the relaxed setting never leaks to another user of the pool', async () => {
    if (dialect !== 'postgres') return;
    // Hold several pooled connections at once, so the ones the worker used are among them.
    const settings = await Promise.all(
      Array.from({ length: 8 }, () =>
        service.storage.db.connection().execute(async (c) => {
          const { rows } = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(c);
          await new Promise((resolve) => setTimeout(resolve, 20));
          return rows[0]!.synchronous_commit;
        }),
      ),
    );
    assert.deepEqual(new Set(settings), new Set(['on']));
    // And inside withAsyncCommit it is off.
    const inside = await service.storage.withAsyncCommit(async (c) => {
      const { rows } = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(c);
      return rows[0]!.synchronous_commit;
    });
    assert.equal(inside, 'off');
  });
});
