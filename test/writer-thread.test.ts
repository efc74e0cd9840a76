/**
 * The SQLite write path runs off the event loop (src/storage/outbox-thread.ts): while the writer thread
 * commits a group, the main thread keeps serving; the answer still waits for the commit; a main-connection
 * transaction waits for the thread's write lock instead of failing; a dead thread fails its requests
 * instead of leaving them hanging. The fault point GROUP_COMMIT_TEST_THREAD_DELAY_MS holds every commit
 * inside its transaction (the write lock taken, nothing visible yet) for a while, like a slow fsync.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { setTimeout as delay, setImmediate as nextTurn } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { OutboxThread } from '../src/storage/outbox-thread.js';
import {
  createTenant,
  dialect,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from './harness.js';

// A request left hanging fails the test instead of stalling the run.
const sqliteOnly = { skip: dialect !== 'sqlite' ? 'the writer thread is SQLite’s' : false, timeout: 60_000 };
// Long enough that the steps below, a few milliseconds each, happen inside it on a busy machine.
const THREAD_DELAY_MS = '800';

interface Post {
  answered: () => boolean;
  response: Promise<{ statusCode: number; body: string }>;
}

function post(service: TestService, tenant: Tenant, eventId: string): Post {
  let answered = false;
  const response = service
    .app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: JSON.stringify({ events: [purchaseEvent({ eventId })] }),
    })
    .then((res) => {
      answered = true;
      return { statusCode: res.statusCode, body: res.body };
    });
  return { answered: () => answered, response };
}

/**
 * Turns the event loop until the writer has handed the group to the outbox. A commit on the main thread
 * would start and finish within one turn: the request would be answered before it is ever seen committing.
 */
async function untilCommitting(service: TestService, request: Post): Promise<void> {
  while (!service.writer.committing && !request.answered()) await nextTurn();
  assert.ok(!request.answered(), 'the request was answered before its group was seen committing');
}

/**
 * Turns the event loop until the writer thread holds the write lock (probed on a connection of the test's):
 * the group's transaction is open, nothing of it visible yet. The request must not be answered before.
 */
async function untilThreadHoldsLock(service: TestService, request: Post): Promise<void> {
  // No busy wait: a lock held by someone is reported at once.
  const probe = new SQLite(service.storage.file!, { timeout: 0 });
  const locked = (): boolean => {
    try {
      probe.exec('begin immediate');
      probe.exec('rollback');
      return false;
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
      throw error;
    }
  };
  try {
    while (!request.answered()) {
      // Held twice, 50 ms apart: the commit's transaction, not a main-connection statement of a moment.
      if (locked()) {
        await delay(50);
        if (locked()) return;
      }
      await nextTurn();
    }
  } finally {
    probe.close();
  }
  assert.fail('the request was answered before its transaction held the write lock');
}

/** Waits until the thread has opened its connection (whose set-up takes locks of its own, briefly). */
async function threadStarted(service: TestService): Promise<void> {
  assert.ok(service.outbox instanceof OutboxThread);
  await service.outbox.synchronous();
}

/** An API node whose writer thread holds every commit for THREAD_DELAY_MS, with a tenant, thread started. */
async function slowThreadService(): Promise<{ service: TestService; tenant: Tenant }> {
  const service = await startTestService({
    role: 'api',
    env: { GROUP_COMMIT_TEST_THREAD_DELAY_MS: THREAD_DELAY_MS },
  });
  try {
    const tenant = await createTenant(service);
    await threadStarted(service);
    return { service, tenant };
  } catch (error) {
    await service.destroy();
    throw error;
  }
}

const stored = async (service: TestService, eventId: string): Promise<number> =>
  (await service.storage.db.selectFrom('events').select('id').where('event_id', '=', eventId).execute())
    .length;

describe('the SQLite writer thread', () => {
  test(
    'while a group commits, the event loop keeps serving; the answer waits for the commit',
    sqliteOnly,
    async () => {
      const { service, tenant } = await slowThreadService();
      try {
        const eventId = `loop-${randomBytes(3).toString('hex')}`;
        const request = post(service, tenant, eventId);
        await untilCommitting(service, request);
        await untilThreadHoldsLock(service, request);

        // Timers fire and other requests are answered while the thread holds the commit.
        let fired = 0;
        for (let i = 0; i < 3; i++)
          await new Promise<void>((resolve) => setTimeout(() => resolve(void fired++), 1));
        const health = await service.app!.inject({ method: 'GET', url: '/health' });
        assert.equal(health.statusCode, 200);
        assert.equal(fired, 3);
        assert.equal(await stored(service, eventId), 0, 'not committed yet');
        assert.ok(!request.answered(), 'the POST is answered only after its commit');

        const res = await request.response;
        assert.equal(res.statusCode, 200);
        assert.equal(await stored(service, eventId), 1);
      } finally {
        await service.destroy();
      }
    },
  );

  test(
    'the main connection’s writes wait for the thread’s commit without holding the event loop',
    sqliteOnly,
    async () => {
      const { service, tenant } = await slowThreadService();
      try {
        const { db } = service.storage;
        const orgName = async (): Promise<string> =>
          (
            await db
              .selectFrom('orgs')
              .select('name')
              .where('id', '=', tenant.org.id)
              .executeTakeFirstOrThrow()
          ).name;

        // A single statement: SQLite's own wait for the lock would sleep on the event loop.
        let request = post(service, tenant, `write-${randomBytes(3).toString('hex')}`);
        await untilCommitting(service, request);
        await untilThreadHoldsLock(service, request);
        let turned = false;
        void delay(1).then(() => {
          turned = true;
        });
        await db.updateTable('orgs').set({ name: 'Renamed once' }).where('id', '=', tenant.org.id).execute();
        assert.ok(turned, 'a timer fired while the write waited for the commit');
        assert.equal((await request.response).statusCode, 200);

        // A transaction that reads, then writes: it waits too, and begins IMMEDIATE (a deferred one that read
        // before a commit of the thread could not write after it: SQLITE_BUSY).
        const eventId = `trx-${randomBytes(3).toString('hex')}`;
        request = post(service, tenant, eventId);
        await untilCommitting(service, request);
        await untilThreadHoldsLock(service, request);
        await db.transaction().execute(async (trx) => {
          const org = await trx
            .selectFrom('orgs')
            .select('name')
            .where('id', '=', tenant.org.id)
            .executeTakeFirstOrThrow();
          await trx
            .updateTable('orgs')
            .set({ name: `${org.name}, twice` })
            .where('id', '=', tenant.org.id)
            .execute();
        });
        assert.equal((await request.response).statusCode, 200);
        assert.equal(await stored(service, eventId), 1);
        assert.equal(await orgName(), 'Renamed once, twice');
      } finally {
        await service.destroy();
      }
    },
  );

  test(
    'a thread that dies mid-commit fails the requests of its group, and the next request gets a new thread',
    sqliteOnly,
    async () => {
      const { service, tenant } = await slowThreadService();
      try {
        assert.ok(service.outbox instanceof OutboxThread);
        const lost = `crash-${randomBytes(3).toString('hex')}`;
        const request = post(service, tenant, lost);
        await untilCommitting(service, request);
        await service.outbox.terminate();

        const res = await request.response;
        assert.equal(res.statusCode, 500);
        assert.equal(await stored(service, lost), 0, 'the interrupted transaction was rolled back');

        const next = `after-${randomBytes(3).toString('hex')}`;
        assert.equal((await post(service, tenant, next).response).statusCode, 200);
        assert.equal(await stored(service, next), 1);
      } finally {
        await service.destroy();
      }
    },
  );

  test('the thread’s connection uses the configured synchronous setting', sqliteOnly, async () => {
    const service = await startTestService({ role: 'api', env: { SQLITE_SYNCHRONOUS: 'FULL' } });
    try {
      assert.ok(service.outbox instanceof OutboxThread);
      // 2 = FULL: the thread's commit is on disk before the answer.
      assert.equal(await service.outbox.synchronous(), 2);
    } finally {
      await service.destroy();
    }
  });
});
