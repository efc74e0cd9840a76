/**
 * SQLite: the main connection never checkpoints inside its own commits (the event loop would hold for the
 * copy and its fsyncs); the outbox's writer thread checkpoints instead, so the WAL stays bounded
 * (src/storage/outbox-thread.ts, "Checkpoints"). A `--role worker` process, which may never ingest, starts
 * no thread until something commits through the outbox and keeps its main connection's checkpoints.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { HOLD_WRITES_FRAMES, OutboxThread } from '../src/storage/outbox-thread.js';
import { sqliteCheckpoint } from '../src/storage/repos/retention.js';
import { dialect, startTestService, type TestService } from './harness.js';

const PAGE = 4096;
const WRITES = 500;
/** Each write rewrites this many pages' worth of blobs: 500 × ~24 pages ≈ 50 MB of WAL frames in all. */
const ROWS = 6;
const BLOB = 4 * PAGE;

function walBytes(file: string): number {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}

describe('WAL checkpoints run off the event loop', { skip: dialect !== 'sqlite' }, () => {
  let service: TestService;

  before(async () => {
    service = await startTestService({ role: 'api' });
    // The thread's checkpoints start once it has opened its connection (under tsx, a good half second).
    assert.ok(service.outbox instanceof OutboxThread);
    await service.outbox.synchronous();
  });
  after(async () => {
    await service.destroy();
  });

  test('the main connection does not checkpoint on its commits', () => {
    assert.equal(service.storage.sqlite?.pragma('wal_autocheckpoint', { simple: true }), 0);
  });

  test('a worker-only process keeps its own checkpoints until its outbox commits', async () => {
    const worker = await startTestService({ role: 'worker' });
    try {
      assert.ok(worker.outbox instanceof OutboxThread);
      assert.notEqual(worker.storage.sqlite?.pragma('wal_autocheckpoint', { simple: true }), 0);
    } finally {
      await worker.destroy();
    }
  });

  test("the delivery worker's main-connection writes leave a bounded WAL: the thread checkpoints", async () => {
    const { db, file } = service.storage;
    assert.ok(file);
    await sql`create table wal_scratch (id integer primary key, body blob)`.execute(db);
    for (let id = 0; id < ROWS; id++)
      await sql`insert into wal_scratch (id, body) values (${id}, zeroblob(${BLOB}))`.execute(db);
    let peak = 0;
    // The delivery worker's shape: a short transaction, then a wait (the platform's answer).
    for (let i = 0; i < WRITES; i++) {
      await service.storage.withAsyncCommit((conn) =>
        conn.transaction().execute(async (trx) => {
          await sql`update wal_scratch set body = randomblob(${BLOB})`.execute(trx);
        }),
      );
      peak = Math.max(peak, walBytes(file));
      await sleep(5);
    }
    const written = WRITES * ROWS * BLOB;
    // Without checkpoints the WAL holds every frame (≥ `written`, ~50 MB). With them it starts over after a
    // timed checkpoint caught up, or after the one that holds writes back at HOLD_WRITES_FRAMES (4 MB): the
    // file (its longest extent) stays near that plus one interval's writes (here up to ~16 MB/s × 500 ms).
    const bound = HOLD_WRITES_FRAMES * PAGE + 12 * 1024 * 1024;
    assert.ok(peak < bound, `WAL peaked at ${(peak / 1e6).toFixed(1)} MB of ${written / 1e6} MB written`);
    // Still off: nothing turned the main connection's autocheckpoint back on meanwhile.
    assert.equal(service.storage.sqlite?.pragma('wal_autocheckpoint', { simple: true }), 0);
  });

  test("retention's TRUNCATE checkpoint empties the WAL while other connections checkpoint too", async () => {
    const { db, file } = service.storage;
    assert.ok(file);
    // Another connection checkpointing without a pause, so that TRUNCATE meets one in progress (SQLite then
    // answers busy at once): the writer thread's every 500 ms would meet it only now and then.
    const rival = new Worker(
      `const db = new (require('better-sqlite3'))(${JSON.stringify(file)});
       const { parentPort } = require('node:worker_threads');
       let stop = false;
       parentPort.on('message', () => { stop = true; });
       const loop = () => { const end = Date.now() + 20; while (Date.now() < end) db.pragma('wal_checkpoint(PASSIVE)'); if (stop) { db.close(); parentPort.close(); } else setImmediate(loop); };
       loop();`,
      { eval: true },
    );
    try {
      // A person's erasure ends with it: the WAL must not keep the pages as they were before.
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 5; i++) await sql`update wal_scratch set body = randomblob(${BLOB})`.execute(db);
        await sqliteCheckpoint(db, 'truncate');
        assert.equal(walBytes(file), 0, `round ${round}`);
      }
    } finally {
      const exited = new Promise((resolve) => rival.once('exit', resolve));
      rival.postMessage('stop');
      await exited;
    }
  });
});
