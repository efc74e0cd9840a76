/**
 * Group commit: concurrent ingest requests share one transaction, flushed every few milliseconds or every N
 * events. Each request's promise settles only after the transaction that holds its events has committed,
 * so "success" always means durable. Deduplication happens inside the same transaction.
 */
import type { Database as SqliteHandle } from 'better-sqlite3';
import { sql } from 'kysely';
import type { Clock } from '../lib/clock.js';
import type { DB, Storage } from '../storage/db.js';
import { type BindValue, type PreparedStatement, param, prepare } from '../storage/prepared.js';
import { addUsage, dayOf, type UsageIncrement } from '../storage/repos/usage.js';
import type { DeliveriesTable, EventsTable, NewDelivery, NewEvent } from '../storage/schema.js';
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

  private readonly db: DB;
  private readonly statements: IngestStatements | null;

  constructor(
    storage: Storage,
    private readonly clock: Clock,
    private readonly options: WriterOptions,
    private readonly onCommit: (eventCount: number) => void = () => {},
  ) {
    this.db = storage.db;
    this.statements = storage.sqlite ? prepareIngestStatements(storage.db, storage.sqlite) : null;
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
    const now = this.clock.now();
    try {
      const statements = this.statements;
      const results = statements
        ? // Kysely's connection is held so no Kysely transaction interleaves with this synchronous one.
          await this.db
            .connection()
            .execute(async () => statements.transaction(() => this.writePrepared(statements, group, now)))
        : await this.db.transaction().execute((trx) => this.writeKysely(trx, group, now));
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
  private claims(group: Pending[], now: number): Claim[] {
    // PostgreSQL also refuses to upsert one key twice in a statement.
    const seen = new Set<string>();
    const claims: Claim[] = [];
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
  private collect(group: Pending[], won: Set<string>, now: number): Collected {
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
    return { results, events, deliveries, usage: [...usage.values()] };
  }

  private async writeKysely(trx: DB, group: Pending[], now: number): Promise<IngestResult[]> {
    // A key is claimed when it is new or its window has passed; RETURNING names the events that won.
    const won = new Set<string>();
    for (const part of chunks(this.claims(group, now), CHUNK)) {
      const rows = await trx
        .insertInto('dedup_keys')
        .values(part)
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
    const { results, events, deliveries, usage } = this.collect(group, won, now);
    for (const part of chunks(events, CHUNK)) await trx.insertInto('events').values(part).execute();
    for (const part of chunks(deliveries, CHUNK)) await trx.insertInto('deliveries').values(part).execute();
    await addUsage(trx, usage);
    return results;
  }

  private writePrepared(statements: IngestStatements, group: Pending[], now: number): IngestResult[] {
    const won = new Set<string>();
    for (const claim of this.claims(group, now)) {
      if (statements.claim.get({ ...claim, now })) won.add(claim.event_pk);
    }
    const { results, events, deliveries, usage } = this.collect(group, won, now);
    for (const event of events) statements.insertEvent.run(event as unknown as Record<string, BindValue>);
    for (const delivery of deliveries)
      statements.insertDelivery.run(delivery as unknown as Record<string, BindValue>);
    for (const inc of usage)
      statements.addUsage.run({
        org_id: inc.orgId,
        day: inc.day,
        requests: inc.requests,
        events: inc.events,
      });
    return results;
  }
}

interface Claim {
  domain_id: string;
  event_name: string;
  event_id: string;
  event_pk: string;
  expires_at: number;
}

interface Collected {
  results: IngestResult[];
  events: NewEvent[];
  deliveries: NewDelivery[];
  usage: UsageIncrement[];
}

// Every column, so one prepared INSERT fits every row; the type checks below keep the lists complete.
const EVENT_COLUMNS = [
  'id',
  'org_id',
  'domain_id',
  'event_name',
  'custom_event_name',
  'event_id',
  'source',
  'event_time',
  'received_at',
  'event_source_url',
  'custom_data',
  'match_keys',
  'pii_sealed',
  'pii_erased_at',
  'custom_data_sent',
] as const satisfies readonly (keyof EventsTable)[];
const DELIVERY_COLUMNS = [
  'id',
  'event_pk',
  'org_id',
  'domain_id',
  'destination_id',
  'destination_type',
  'status',
  'attempts',
  'next_attempt_at',
  'lease_owner',
  'lease_expires_at',
  'event_time',
  'give_up_at',
  'last_status_code',
  'last_error',
  'created_at',
  'updated_at',
  'final_at',
] as const satisfies readonly (keyof DeliveriesTable)[];
type Exhaustive<T extends never> = T;
export type EventColumnsComplete = Exhaustive<Exclude<keyof EventsTable, (typeof EVENT_COLUMNS)[number]>>;
export type DeliveryColumnsComplete = Exhaustive<
  Exclude<keyof DeliveriesTable, (typeof DELIVERY_COLUMNS)[number]>
>;

// A row of placeholders (typed `never`: the values are sentinels, not the columns' types).
const templateRow = (columns: readonly string[]): never =>
  Object.fromEntries(columns.map((c) => [c, param(c)])) as never;

/** SQLite: the group's four statements, built with Kysely and prepared once. */
interface IngestStatements {
  transaction<T>(fn: () => T): T;
  claim: PreparedStatement;
  insertEvent: PreparedStatement;
  insertDelivery: PreparedStatement;
  addUsage: PreparedStatement;
}

function prepareIngestStatements(db: DB, sqlite: SqliteHandle): IngestStatements {
  return {
    transaction: (fn) => sqlite.transaction(fn)(),
    claim: prepare(
      sqlite,
      db
        .insertInto('dedup_keys')
        .values(templateRow(['domain_id', 'event_name', 'event_id', 'event_pk', 'expires_at']))
        .onConflict((oc) =>
          oc
            .columns(['domain_id', 'event_name', 'event_id'])
            .doUpdateSet((eb) => ({
              event_pk: eb.ref('excluded.event_pk'),
              expires_at: eb.ref('excluded.expires_at'),
            }))
            .where('dedup_keys.expires_at', '<=', param('now')),
        )
        .returning('event_pk'),
    ),
    insertEvent: prepare(sqlite, db.insertInto('events').values(templateRow(EVENT_COLUMNS))),
    insertDelivery: prepare(sqlite, db.insertInto('deliveries').values(templateRow(DELIVERY_COLUMNS))),
    addUsage: prepare(
      sqlite,
      db
        .insertInto('usage_daily')
        .values(templateRow(['org_id', 'day', 'requests', 'events']))
        .onConflict((oc) =>
          oc.columns(['org_id', 'day']).doUpdateSet({
            requests: sql`usage_daily.requests + ${param('requests')}`,
            events: sql`usage_daily.events + ${param('events')}`,
          }),
        ),
    ),
  };
}
