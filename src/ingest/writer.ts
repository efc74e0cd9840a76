/**
 * Group commit: concurrent ingest requests share one transaction, flushed every few milliseconds or every N
 * events. Each request's promise settles only after the transaction that holds its events has committed,
 * so "success" always means durable. Deduplication happens inside the same transaction. The writer decides
 * what a group writes (dedup keys, accepted rows, usage); the SQL is the outbox repository's
 * (storage/repos/outbox.ts).
 */
import type { Clock } from '../lib/clock.js';
import type { Storage } from '../storage/db.js';
import { type DedupClaim, type Outbox, type OutboxRows, openOutbox } from '../storage/repos/outbox.js';
import { dayOf, type UsageIncrement } from '../storage/repos/usage.js';
import type { NewDelivery, NewEvent } from '../storage/schema.js';
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
}

/** Custom events deduplicate by their own name: two different custom events may share an eventId. */
function dedupName(event: NewEvent): string {
  return event.event_name === 'Custom' && event.custom_event_name
    ? `Custom:${event.custom_event_name}`
    : event.event_name;
}

export class GroupCommitWriter {
  private pending: Pending[] = [];
  private pendingEvents = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;
  readonly stats: WriterStats = { flushes: 0, events: 0 };

  private readonly outbox: Outbox;

  constructor(
    storage: Storage,
    private readonly clock: Clock,
    private readonly options: WriterOptions,
    private readonly onCommit: (eventCount: number) => void = () => {},
  ) {
    this.outbox = openOutbox(storage);
  }

  submit(batch: IngestBatch): Promise<IngestResult> {
    if (this.closed) return Promise.reject(new Error('Ingest writer is closed'));
    return new Promise<IngestResult>((resolve, reject) => {
      this.pending.push({ batch, resolve, reject });
      this.pendingEvents += batch.events.length;
      if (this.pendingEvents >= this.options.maxEvents) this.kick();
      else if (!this.timer && !this.flushing) {
        this.timer = setTimeout(() => this.kick(), this.options.maxWaitMs);
      }
    });
  }

  /** Flushes everything pending now; resolves when it has committed. */
  async flush(): Promise<void> {
    this.kick();
    while (this.flushing) await this.flushing;
  }

  /** Stops accepting and commits what is pending (graceful shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.flushing || this.pending.length === 0) return;
    const group = this.pending;
    this.pending = [];
    this.pendingEvents = 0;
    this.flushing = this.commit(group).finally(() => {
      this.flushing = null;
      // Requests that arrived during the commit form the next group.
      if (this.pending.length > 0) this.kick();
    });
  }

  private async commit(group: Pending[]): Promise<void> {
    // The durability test widens the window between accepting a group and its commit, so that a process
    // killed right after an answer that came before the commit always loses the event (the test fails).
    const delay = this.options.testCommitDelayMs ?? 0;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const now = this.clock.now();
    try {
      const results = await this.outbox.commit(this.claims(group, now), now, (won) =>
        this.collect(group, won, now),
      );
      this.stats.flushes += 1;
      let accepted = 0;
      group.forEach((pending, i) => {
        const result = results[i]!;
        accepted += result.statuses.filter((s) => s === 'accepted').length;
        pending.resolve(result);
      });
      this.stats.events += accepted;
      if (accepted > 0) this.onCommit(accepted);
    } catch (error) {
      for (const pending of group) pending.reject(error);
    }
  }

  /** The group's dedup claims; in-group duplicates dropped (the first occurrence wins). */
  private claims(group: Pending[], now: number): DedupClaim[] {
    // PostgreSQL also refuses to upsert one key twice in a statement.
    const seen = new Set<string>();
    const claims: DedupClaim[] = [];
    for (const { batch } of group) {
      const expiresAt = now + (batch.dedupWindowMs ?? this.options.dedupWindowMs);
      for (const { event } of batch.events) {
        const name = dedupName(event);
        const key = `${event.domain_id}\u0000${name}\u0000${event.event_id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        claims.push({
          domain_id: event.domain_id,
          event_name: name,
          event_id: event.event_id,
          event_pk: event.id,
          expires_at: expiresAt,
        });
      }
    }
    return claims;
  }

  /** Rows to insert for the events that won their claim, and each request's answer. */
  private collect(
    group: Pending[],
    won: ReadonlySet<string>,
    now: number,
  ): { rows: OutboxRows; result: IngestResult[] } {
    const events: NewEvent[] = [];
    const deliveries: NewDelivery[] = [];
    const usage = new Map<string, UsageIncrement>();
    const day = dayOf(now);
    const results: IngestResult[] = group.map(({ batch }) => {
      const increment = usage.get(batch.orgId) ?? { orgId: batch.orgId, day, requests: 0, events: 0 };
      usage.set(batch.orgId, increment);
      if (batch.countRequest) increment.requests += 1;
      return {
        statuses: batch.events.map(({ event, deliveries: eventDeliveries }) => {
          if (!won.has(event.id)) return 'duplicate';
          events.push(event);
          deliveries.push(...eventDeliveries);
          increment.events += 1;
          return 'accepted';
        }),
      };
    });
    return { rows: { events, deliveries, usage: [...usage.values()] }, result: results };
  }
}
