/**
 * Group commit: concurrent ingest requests share one transaction, flushed every few milliseconds or every N
 * events. Each request's promise settles only after the transaction that holds its events has committed,
 * so "success" always means durable. Deduplication happens inside the same transaction. The writer forms
 * the groups (at most `outbox.concurrency` in commit at a time — one on SQLite, a few on PostgreSQL;
 * requests arriving meanwhile form the next); what a group claims and
 * writes, and the SQL, are the outbox's (storage/outbox-group.ts, storage/repos/outbox.ts). On SQLite the
 * commit runs on the outbox's writer thread, so the event loop keeps serving requests while it syncs.
 */
import type { Clock } from '../lib/clock.js';
import { packGroup } from '../storage/outbox-group.js';
import type { Outbox } from '../storage/repos/outbox.js';
import type { PreparedEvent } from './prepare.js';

export type EventStatus = 'accepted' | 'duplicate';

export interface IngestBatch {
  orgId: string;
  events: PreparedEvent[];
  /** Counts as one request toward the org's monthly quota. */
  countRequest: boolean;
  /** This batch's dedup window (the public API's is 20 minutes); the writer's default otherwise. */
  dedupWindowMs?: number;
}

export interface IngestResult {
  statuses: EventStatus[];
}

interface Pending {
  batch: IngestBatch;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}

export interface WriterOptions {
  maxEvents: number;
  maxWaitMs: number;
  dedupWindowMs: number;
  /** Test-only fault point (GROUP_COMMIT_TEST_DELAY_MS): wait this long before each commit starts. */
  testCommitDelayMs?: number;
}

export interface WriterStats {
  flushes: number;
  events: number;
  /** Failed group commits split to find the request whose input the database refused. */
  isolations: number;
}

export class GroupCommitWriter {
  private pending: Pending[] = [];
  private pendingEvents = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Groups handed to the outbox and not yet answered (at most `outbox.concurrency`). */
  private readonly flushing = new Set<Promise<void>>();
  private closed = false;
  readonly stats: WriterStats = { flushes: 0, events: 0, isolations: 0 };

  constructor(
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly options: WriterOptions,
    private readonly onCommit: (eventCount: number) => void = () => {},
  ) {}

  submit(batch: IngestBatch): Promise<IngestResult> {
    if (this.closed) return Promise.reject(new Error('Ingest writer is closed'));
    return new Promise<IngestResult>((resolve, reject) => {
      this.pending.push({ batch, resolve, reject });
      this.pendingEvents += batch.events.length;
      if (this.pendingEvents >= this.options.maxEvents) this.kick();
      else if (!this.timer && this.flushing.size < this.outbox.concurrency) {
        this.timer = setTimeout(() => this.kick(), this.options.maxWaitMs);
      }
    });
  }

  /** True while a group is being committed (handed to the outbox and not yet answered). */
  get committing(): boolean {
    return this.flushing.size > 0;
  }

  /** Flushes everything pending now; resolves when it has committed. */
  async flush(): Promise<void> {
    this.kick();
    while (this.flushing.size > 0) await Promise.all(this.flushing);
  }

  /** Stops accepting, commits what is pending (graceful shutdown) and closes the outbox. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.outbox.close();
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.flushing.size >= this.outbox.concurrency || this.pending.length === 0) return;
    const group = this.pending;
    this.pending = [];
    this.pendingEvents = 0;
    const flushing: Promise<void> = this.commit(group).finally(() => {
      this.flushing.delete(flushing);
      // Requests that arrived during the commit form the next group.
      if (this.pending.length > 0) this.kick();
    });
    this.flushing.add(flushing);
  }

  private async commit(group: Pending[]): Promise<void> {
    // The durability test widens the window between accepting a group and its commit, so that a process
    // killed right after an answer that came before the commit always loses the event (the test fails).
    const delay = this.options.testCommitDelayMs ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    await this.commitIsolating(group);
  }

  /**
   * Commits the group; if the transaction fails, nothing of it was written (it rolled back), so the group is
   * split in halves and each half committed on its own, down to the single request whose input the database
   * refused. Only that request fails: one shop's event can never fail another shop's request. A failure of
   * the database itself (connection lost, thread gone) fails the whole group at once instead of being
   * retried piece by piece. At most 2n-1 attempts for n requests, only when something failed.
   */
  private async commitIsolating(group: Pending[]): Promise<void> {
    let accepted: Uint8Array;
    try {
      const now = this.clock.now();
      accepted = await this.outbox.commit(
        packGroup(
          group.map(({ batch }) => ({
            orgId: batch.orgId,
            countRequest: batch.countRequest,
            expiresAt: now + (batch.dedupWindowMs ?? this.options.dedupWindowMs),
            events: batch.events,
          })),
          now,
        ),
      );
    } catch (error) {
      if (group.length === 1 || !failedOnItsInput(error)) {
        for (const pending of group) pending.reject(error);
        return;
      }
      this.stats.isolations += 1;
      const half = group.length >> 1;
      await this.commitIsolating(group.slice(0, half));
      await this.commitIsolating(group.slice(half));
      return;
    }
    this.stats.flushes += 1;
    let i = 0;
    let total = 0;
    for (const pending of group) {
      const statuses: EventStatus[] = new Array(pending.batch.events.length);
      for (let k = 0; k < statuses.length; k++, i++) {
        statuses[k] = accepted[i] === 1 ? 'accepted' : 'duplicate';
        total += accepted[i]!;
      }
      pending.resolve({ statuses });
    }
    this.stats.events += total;
    if (total > 0) this.onCommit(total);
  }
}

// PostgreSQL SQLSTATE classes that say the server or the connection failed, not the statement's data:
// 08 connection exception, 53 insufficient resources, 57 operator intervention (shutdown, cancel), 58 system.
const SERVER_FAILURE_CLASSES = new Set(['08', '53', '57', '58']);
// SQLite result codes of the same kind: the disk, the file or the lock, whatever the rows were.
const SQLITE_SERVER_FAILURES = /^SQLITE_(BUSY|LOCKED|NOMEM|IOERR|CORRUPT|FULL|CANTOPEN|NOTADB|READONLY|PERM)/;

/**
 * Whether a failed commit may have been caused by what one of its requests sent (so splitting the group
 * finds it), rather than by the database being unavailable (so every part would fail the same way).
 */
export function failedOnItsInput(error: unknown): boolean {
  if (!(error instanceof Error)) return true;
  if ((error as { outboxUnavailable?: boolean }).outboxUnavailable) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return true;
  if (/^[0-9A-Z]{5}$/.test(code)) return !SERVER_FAILURE_CLASSES.has(code.slice(0, 2));
  if (code.startsWith('SQLITE_')) return !SQLITE_SERVER_FAILURES.test(code);
  // Node system errors (ECONNRESET, ECONNREFUSED, ETIMEDOUT…): the connection, not the data.
  return !/^E[A-Z]+$/.test(code);
}
