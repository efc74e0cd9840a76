/**
 * Group commit: concurrent ingest requests share one transaction, flushed every few milliseconds or every N
 * events. Each request's promise settles only after the transaction that holds its events has committed,
 * so "success" always means durable. Deduplication happens inside the same transaction.
 */
import type { Clock } from '../lib/clock.js';
import type { DB } from '../storage/db.js';
import { addUsage, dayOf, type UsageIncrement } from '../storage/repos/usage.js';
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

// Rows per INSERT statement: keeps every statement far below SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK = 400;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class GroupCommitWriter {
  private pending: Pending[] = [];
  private pendingEvents = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;
  readonly stats: WriterStats = { flushes: 0, events: 0 };

  constructor(
    private readonly db: DB,
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
    const now = this.clock.now();
    try {
      const results = await this.db.transaction().execute((trx) => this.write(trx, group, now));
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

  private async write(trx: DB, group: Pending[], now: number): Promise<IngestResult[]> {
    // In-group duplicates: the first occurrence wins (and PostgreSQL refuses to upsert one key twice).
    const seen = new Set<string>();
    const candidates: Array<{ event: NewEvent; expiresAt: number }> = [];
    for (const { batch } of group) {
      const expiresAt = now + (batch.dedupWindowMs ?? this.options.dedupWindowMs);
      for (const { event } of batch.events) {
        const key = `${event.domain_id}\u0000${dedupName(event)}\u0000${event.event_id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        candidates.push({ event, expiresAt });
      }
    }

    // A key is claimed when it is new or its window has passed; RETURNING names the events that won.
    const won = new Set<string>();
    for (const part of chunks(candidates, CHUNK)) {
      const rows = await trx
        .insertInto('dedup_keys')
        .values(
          part.map(({ event: e, expiresAt }) => ({
            domain_id: e.domain_id,
            event_name: dedupName(e),
            event_id: e.event_id,
            event_pk: e.id,
            expires_at: expiresAt,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['domain_id', 'event_name', 'event_id'])
            .doUpdateSet((eb) => ({
              event_pk: eb.ref('excluded.event_pk'),
              expires_at: eb.ref('excluded.expires_at'),
            }))
            .where('dedup_keys.expires_at', '<=', now),
        )
        .returning('event_pk')
        .execute();
      for (const row of rows) won.add(row.event_pk);
    }

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

    for (const part of chunks(events, CHUNK)) await trx.insertInto('events').values(part).execute();
    for (const part of chunks(deliveries, CHUNK)) await trx.insertInto('deliveries').values(part).execute();
    await addUsage(trx, [...usage.values()]);
    return results;
  }
}
