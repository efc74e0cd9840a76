/**
 * The SQLite outbox on a writer thread: the main thread hands each group commit to a dedicated
 * node:worker_threads thread (src/storage/outbox-worker.ts) that owns its own connection to the database
 * file, so the main thread keeps reading and parsing requests while a group's transaction and its fsync
 * run. The ingest writer forms the next group meanwhile.
 *
 * Protocol (structured clone over the worker's port):
 *   start    workerData `ThreadStart`: the connection settings (the main connection's, `SqliteSettings`),
 *            the outbox statements' SQL (compiled on this side: src/storage/outbox-sql.ts),
 *            the current encryption key (the thread seals each group's personal data, once it knows
 *            which events the group writes) and the test-only in-transaction delay
 *   → thread `{type:'commit', id, group}`: one columnar `OutboxGroup` (src/storage/outbox-group.ts)
 *   ← main   `{type:'committed', id, accepted}` once the transaction committed (durable under
 *            synchronous=FULL): one byte per event of the group, 1 accepted / 0 duplicate (transferred)
 *            `{type:'failed', id, message, code?}`: the transaction failed and was rolled back
 *            `{type:'ready', synchronous}` once, after start-up (the connection's synchronous pragma)
 *   ← main   `{type:'long-wal', frames}`: a timed checkpoint left the WAL this long (checkpoints, below)
 *   → thread `{type:'checkpoint', id}` → main `{type:'checkpointed', id}`: a checkpoint the main
 *            connection's writes wait for, like a commit
 *   → thread `{type:'close'}`: the thread closes its connection and ends once the commits before it ran
 *
 * A thread that dies (an uncaught error, out of memory, terminated) rejects every commit it had not
 * answered, and the next commit starts a new thread. A commit that was not answered may still have been
 * written (the thread died between COMMIT and its answer): the request failed, and a retry of it is a
 * duplicate of a stored event, as after any failure past the commit.
 */
import { Worker } from 'node:worker_threads';
import type { Database as SqliteHandle } from 'better-sqlite3';
import type { OutboxGroup } from './outbox-group.js';
import { compileOutboxSql, type OutboxSql } from './outbox-sql.js';
import type { SqliteSettings } from './sqlite-handle.js';

export interface ThreadStart {
  settings: SqliteSettings;
  /** The outbox statements' SQL, compiled here: the thread prepares it without loading Kysely. */
  statements: OutboxSql;
  /** The key that seals: ENCRYPTION_KEY (the first of config.encryptionKeys). */
  sealKey: Uint8Array;
  testDelayMs: number;
  /** How often the thread runs a PASSIVE checkpoint (checkpoints, below). */
  checkpointIntervalMs: number;
  /** A WAL this many frames long after a checkpoint is reported to the main side (checkpoints, below). */
  holdFrames: number;
}

export type ThreadRequest =
  | { type: 'commit'; id: number; group: OutboxGroup }
  | { type: 'checkpoint'; id: number }
  | { type: 'close' };

export type ThreadReply =
  | { type: 'ready'; synchronous: number }
  | { type: 'committed'; id: number; accepted: Uint8Array }
  | { type: 'failed'; id: number; message: string; code?: string }
  | { type: 'checkpointed'; id: number }
  | { type: 'long-wal'; frames: number };

export interface OutboxThreadOptions {
  settings: SqliteSettings;
  /** The key the thread seals each group's personal data with (storage/pii-groups.ts). */
  sealKey: Buffer;
  /** Test-only fault point: each commit blocks the thread this long inside its transaction. */
  testDelayMs?: number;
  /** Called when the thread dies unexpectedly (after its pending commits were rejected). */
  onExit?: (error: Error) => void;
  /**
   * The main connection (Kysely's): its commits stop checkpointing while the thread runs, and checkpoint
   * again (its previous `wal_autocheckpoint`) while no thread does (checkpoints, below).
   */
  main?: SqliteHandle;
  /**
   * Start the thread with the first commit rather than now: a process that may never ingest (`--role
   * worker`) keeps its main connection's own checkpoints and saves the thread's ~10 MB.
   */
  lazy?: boolean;
  /** Tests: the thread's checkpoint interval and the WAL length that holds writes back (defaults below). */
  checkpointIntervalMs?: number;
  holdFrames?: number;
}

/**
 * Checkpoints. SQLite checkpoints inside the commit that takes the WAL past `wal_autocheckpoint` (1000
 * pages), on whichever connection made it: on the main connection that is the event loop, held for the copy
 * and its two fsyncs (~10 ms of a ~100 ms drain batch). So the main connection's autocheckpoint is off while
 * this thread runs, and the thread checkpoints instead: PASSIVE every `CHECKPOINT_INTERVAL_MS`
 * (it never waits for a writer or a reader, and costs next to nothing when the WAL has no new frames), and
 * its own commits keep the autocheckpoint. A checkpoint copies the frames, but the WAL starts over from its
 * beginning only when a write begins after a checkpoint caught up; main-connection writes that keep coming
 * while the thread copies would let the file grow (and readers slow down on a long WAL). So when a timed
 * checkpoint leaves `HOLD_WRITES_FRAMES` or more, the thread says so and the main side asks for one more
 * checkpoint, handed over like a commit: the main connection's writes wait for it through the write gate
 * (db.ts `SqliteWriteGate`, without holding the event loop), and the first write after it starts the WAL
 * over. That bounds the WAL near `HOLD_WRITES_FRAMES` plus one interval's writes.
 */
export const CHECKPOINT_INTERVAL_MS = 500;
export const HOLD_WRITES_FRAMES = 1000;

interface InFlight {
  resolve: (accepted: Uint8Array) => void;
  reject: (error: Error) => void;
}

// The entry file next to this one: JavaScript in the compiled dist/; TypeScript under tsx (tests, `npm run
// dev`), where Node 20 does not apply the parent's `--import tsx` hooks to a worker's entry: the thread
// registers tsx itself before loading it.
const RUNNING_TS = import.meta.url.endsWith('.ts');
const ENTRY = new URL(RUNNING_TS ? './outbox-worker.ts' : './outbox-worker.js', import.meta.url);

// The thread only decodes groups and binds them: a small heap is plenty, and V8's defaults would let an idle
// writer keep tens of megabytes of garbage (the process's peak RSS).
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 96 };

function startWorker(workerData: ThreadStart): Worker {
  if (!RUNNING_TS) return new Worker(ENTRY, { workerData, resourceLimits: RESOURCE_LIMITS });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(ENTRY.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData, resourceLimits: RESOURCE_LIMITS });
}

export class OutboxThread {
  /** One writer: groups commit one after the other. */
  readonly concurrency = 1;
  private worker: Worker | null = null;
  private readonly inFlight = new Map<number, InFlight>();
  private nextId = 1;
  private closed = false;
  private readyPromise: Promise<number> | null = null;
  private idleWaiters: (() => void)[] = [];
  private checkpointInFlight = false;

  constructor(private readonly options: OutboxThreadOptions) {
    // Started now, so the first request does not wait for the thread to load.
    if (!options.lazy) this.spawn();
  }

  /** Commits one group in the thread; resolves to each event's acceptance once durable. */
  commit(group: OutboxGroup): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(unavailable(new Error('The outbox writer thread is closed')));
    const worker = this.worker ?? this.spawn();
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.inFlight.set(id, { resolve, reject });
      // Keeps the process alive while a commit is in flight, and only then.
      worker.ref();
      worker.postMessage({ type: 'commit', id, group } satisfies ThreadRequest);
    });
  }

  /** A checkpoint in the thread that the main connection's writes wait for (checkpoints, above). */
  private holdWritesForCheckpoint(worker: Worker): void {
    if (this.checkpointInFlight) return;
    this.checkpointInFlight = true;
    const id = this.nextId++;
    const done = (): void => {
      this.checkpointInFlight = false;
    };
    this.inFlight.set(id, { resolve: done, reject: done });
    worker.ref();
    worker.postMessage({ type: 'checkpoint', id } satisfies ThreadRequest);
  }

  /**
   * Resolves once no commit is in progress. The main connection's writes wait for it (db.ts
   * `SqliteWriteGate`) rather than sleeping on the event loop in SQLite's busy handler. Waiters are
   * released before the commit's own answer, so they run before the writer hands over its next group.
   */
  idle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private releaseIdle(): void {
    if (this.inFlight.size > 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** The thread connection's `synchronous` pragma (2 = FULL, 1 = NORMAL), once it has started. */
  async synchronous(): Promise<number> {
    const worker = this.worker ?? this.spawn();
    worker.ref();
    try {
      return await this.readyPromise!;
    } finally {
      if (this.inFlight.size === 0) worker.unref();
    }
  }

  /** Lets the commits already handed over finish, then closes the thread's connection and ends it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ type: 'close' } satisfies ThreadRequest);
    await exited;
  }

  /** Ends the thread at once, as a crash would: commits not yet answered are rejected (tests). */
  async terminate(): Promise<void> {
    await this.worker?.terminate();
  }

  private spawn(): Worker {
    const start: ThreadStart = {
      settings: this.options.settings,
      statements: compileOutboxSql(),
      sealKey: this.options.sealKey,
      testDelayMs: this.options.testDelayMs ?? 0,
      checkpointIntervalMs: this.options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS,
      holdFrames: this.options.holdFrames ?? HOLD_WRITES_FRAMES,
    };
    const worker = startWorker(start);
    worker.unref();
    this.worker = worker;
    const restoreAutocheckpoint = this.stopMainCheckpoints();
    let failure: Error | null = null;
    let resolveReady: (synchronous: number) => void = () => {};
    let rejectReady: (error: Error) => void = () => {};
    this.readyPromise = new Promise<number>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    // Nobody may be waiting for it; a start-up failure is reported through the commits and `onExit`.
    this.readyPromise.catch(() => {});
    worker.on('message', (reply: ThreadReply) => {
      if (reply.type === 'ready') {
        resolveReady(reply.synchronous);
        return;
      }
      if (reply.type === 'long-wal') {
        this.holdWritesForCheckpoint(worker);
        return;
      }
      const pending = this.inFlight.get(reply.id);
      if (!pending) return;
      this.inFlight.delete(reply.id);
      if (this.inFlight.size === 0) worker.unref();
      this.releaseIdle();
      if (reply.type === 'committed') pending.resolve(reply.accepted);
      else if (reply.type === 'checkpointed') pending.resolve(new Uint8Array());
      else pending.reject(Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
    });
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      restoreAutocheckpoint();
      const expected = this.closed && failure === null;
      const error = unavailable(
        new Error(
          `The outbox writer thread exited (code ${code})${failure ? `: ${failure.message}` : ''}`,
          failure ? { cause: failure } : undefined,
        ),
      );
      rejectReady(error);
      const pending = [...this.inFlight.values()];
      this.inFlight.clear();
      this.releaseIdle();
      for (const p of pending) p.reject(error);
      if (!expected) this.options.onExit?.(error);
    });
    return worker;
  }

  /** Turns the main connection's autocheckpoint off; returns what turns it back on (checkpoints, above). */
  private stopMainCheckpoints(): () => void {
    const main = this.options.main;
    if (!main) return () => {};
    const pages = Number(main.pragma('wal_autocheckpoint', { simple: true }));
    main.pragma('wal_autocheckpoint = 0');
    return () => {
      if (main.open) main.pragma(`wal_autocheckpoint = ${pages}`);
    };
  }
}

/** Marks a failure of the writer itself, not of a group's rows: the ingest writer does not split the group. */
function unavailable(error: Error): Error {
  return Object.assign(error, { outboxUnavailable: true });
}
