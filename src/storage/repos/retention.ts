/**
 * Retention's SQL (src/retention/): expired rows found and deleted in small batches, each batch its own short
 * statement or transaction, so the queue's writes interleave with a pass instead of waiting for it.
 */
import { type RawBuilder, sql } from 'kysely';
import { DAY_MS } from '../../lib/clock.js';
import type { DB, Dialect } from '../db.js';
import { purchaseFields } from './api-stats.js';
import { PENDING } from './deliveries.js';
import { releaseSlots } from './pii-groups.js';

/** `column IN (values)` as one bound value: a JSON array on SQLite, an array on PostgreSQL. */
function idIn(dialect: Dialect, column: string, ids: readonly string[]): RawBuilder<boolean> {
  return dialect === 'postgres'
    ? sql<boolean>`${sql.ref(column)} = any(${ids})`
    : sql<boolean>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(ids)}))`;
}

export async function allOrgIds(db: DB): Promise<string[]> {
  const rows = await db.selectFrom('orgs').select('id').orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** Times `[from, to)`: on PostgreSQL, the day partition the retention horizon falls in. */
export interface TimeRange {
  from: number;
  to: number;
}

/**
 * Up to `limit` events of one org received before `before` with no pending delivery (an event still in the
 * queue is never deleted, however old). The org's `(org_id, received_at)` index drives it. Events received
 * in `spare` are left to be dropped with their whole partition (PostgreSQL).
 */
export async function expiredEventIds(
  db: DB,
  orgId: string,
  before: number,
  limit: number,
  spare: TimeRange | null = null,
): Promise<string[]> {
  let query = db
    .selectFrom('events as e')
    .select('e.id')
    .where('e.org_id', '=', orgId)
    .where('e.received_at', '<', before);
  if (spare) {
    query = query.where((eb) =>
      eb.or([eb('e.received_at', '<', spare.from), eb('e.received_at', '>=', spare.to)]),
    );
  }
  const rows = await query
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('deliveries as d')
            .select(sql.lit(1).as('one'))
            .whereRef('d.event_pk', '=', 'e.id')
            .where('d.status', '=', PENDING),
        ),
      ),
    )
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export interface EventDeletion {
  events: number;
  deliveries: number;
  delivery_attempts: number;
}

/**
 * Deletes the given events with their deliveries and attempts, in one transaction that first adds the
 * events to the daily aggregates (`stats_daily`), so statistics never count a row twice or lose it. An event that got
 * a pending delivery since it was picked (a replay) is left alone.
 */
export async function deleteEventsRolledUp(
  db: DB,
  dialect: Dialect,
  candidates: string[],
): Promise<EventDeletion> {
  if (candidates.length === 0) return { events: 0, deliveries: 0, delivery_attempts: 0 };
  return db.transaction().execute(async (trx) => {
    const kept = await trx
      .selectFrom('events as e')
      .select('e.id')
      .where(idIn(dialect, 'e.id', candidates))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('deliveries as d')
              .select(sql.lit(1).as('one'))
              .whereRef('d.event_pk', '=', 'e.id')
              .where('d.status', '=', PENDING),
          ),
        ),
      )
      .execute();
    const ids = kept.map((r) => r.id);
    if (ids.length === 0) return { events: 0, deliveries: 0, delivery_attempts: 0 };
    await rollUp(trx, dialect, sql`events where ${idIn(dialect, 'id', ids)}`);
    // Data still held for one (the erasure after its last delivery has not run yet) goes with it.
    const live = await trx
      .selectFrom('events')
      .select('pii_group')
      .where(idIn(dialect, 'id', ids))
      .where('pii_slot', 'is not', null)
      .execute();
    await releaseSlots(
      trx,
      live.map((row) => row.pii_group),
    );
    const attempts = await trx
      .deleteFrom('delivery_attempts')
      .where('delivery_id', 'in', (eb) =>
        eb
          .selectFrom('deliveries')
          .select('id')
          .where(idIn(dialect, 'event_pk', ids)),
      )
      .executeTakeFirst();
    const deliveries = await trx
      .deleteFrom('deliveries')
      .where(idIn(dialect, 'event_pk', ids))
      .executeTakeFirst();
    const events = await trx
      .deleteFrom('events')
      .where(idIn(dialect, 'id', ids))
      .executeTakeFirst();
    return {
      events: Number(events.numDeletedRows),
      deliveries: Number(deliveries.numDeletedRows),
      delivery_attempts: Number(attempts.numDeletedRows),
    };
  });
}

/**
 * Adds the given events to the daily aggregates (`stats_daily`) they are deleted from. `events`: the rows
 * about to be deleted, as `<table> where <condition>` (some events by id on the row path, or a whole day
 * partition `where true`: repos/partitions.ts), so the Purchase statement can add its `and …`. Deliveries
 * need no roll-up: the hourly counters (`delivery_counts`) already hold them and are never reduced by a deletion
 * (`stats_daily` kind `delivery` holds only what was deleted before migration 0013).
 */
export async function rollUp(trx: DB, dialect: Dialect, events: RawBuilder<unknown>): Promise<void> {
  const day = (column: string) =>
    sql<number>`(${sql.ref(column)} - (${sql.ref(column)} % ${sql.lit(DAY_MS)}))`;
  const upsert = sql`on conflict (org_id, day_start, kind, domain_id, name, detail) do update set
    count = stats_daily.count + excluded.count, value = stats_daily.value + excluded.value`;
  await sql`insert into stats_daily (org_id, domain_id, day_start, kind, name, detail, count, value)
    select org_id, domain_id, ${day('received_at')}, 'event', event_name, coalesce(custom_event_name, ''), count(*), 0
    from ${events}
    group by org_id, domain_id, ${day('received_at')}, event_name, coalesce(custom_event_name, '')
    ${upsert}`.execute(trx);
  const { value, currency } = purchaseFields(dialect);
  await sql`insert into stats_daily (org_id, domain_id, day_start, kind, name, detail, count, value)
    select org_id, domain_id, ${day('received_at')}, 'purchase', coalesce(${currency}, ''), '', count(*),
      coalesce(sum(${value}), 0)
    from ${events} and event_name = 'Purchase' and custom_data is not null
    group by org_id, domain_id, ${day('received_at')}, coalesce(${currency}, '')
    ${upsert}`.execute(trx);
}

/** The cut-off times of one pass (epoch ms); a row older than its table's is deleted. */
export interface ExpiryCutoffs {
  now: number;
  /** Sessions, login tokens, OAuth states, plugin sessions and registrations: expired before this. */
  expiredBefore: number;
  /** A session idle since before this has expired (SESSION_IDLE_TIMEOUT_MS). */
  idleBefore: number;
  auditBefore: number;
  conversionsBefore: number;
  /** Touchpoints and visitors: older than any retained conversion's attribution window. */
  touchpointsBefore: number;
}

/** A table whose expired rows go by a condition alone: its key columns and that condition. */
interface ExpiryRule {
  table: string;
  key: readonly string[];
  where(c: ExpiryCutoffs): RawBuilder<boolean>;
}

export const EXPIRY_RULES = [
  {
    table: 'dedup_keys',
    key: ['key'],
    where: (c) => sql`expires_at <= ${c.now}`,
  },
  { table: 'idempotency_keys', key: ['scope', 'idem_key'], where: (c) => sql`expires_at <= ${c.now}` },
  {
    table: 'sessions',
    key: ['id'],
    where: (c) =>
      sql`(expires_at < ${c.expiredBefore} or revoked_at < ${c.expiredBefore} or last_seen_at < ${c.idleBefore})`,
  },
  { table: 'login_tokens', key: ['id'], where: (c) => sql`expires_at < ${c.expiredBefore}` },
  {
    table: 'plugin_sessions',
    key: ['id'],
    where: (c) => sql`(expires_at < ${c.expiredBefore} or revoked_at < ${c.expiredBefore})`,
  },
  { table: 'plugin_registrations', key: ['id'], where: (c) => sql`expires_at < ${c.expiredBefore}` },
  { table: 'shopify_oauth_states', key: ['state_hash'], where: (c) => sql`expires_at < ${c.expiredBefore}` },
  { table: 'audit_log', key: ['id'], where: (c) => sql`at < ${c.auditBefore}` },
  { table: 'conversions', key: ['id'], where: (c) => sql`occurred_at < ${c.conversionsBefore}` },
  { table: 'touchpoints', key: ['id'], where: (c) => sql`occurred_at < ${c.touchpointsBefore}` },
  { table: 'visitors', key: ['id'], where: (c) => sql`last_seen_at < ${c.touchpointsBefore}` },
] as const satisfies readonly ExpiryRule[];

export type ExpiryTable = (typeof EXPIRY_RULES)[number]['table'];

/**
 * Deletes up to `limit` expired rows of one table (one statement: the keys of a bounded subquery). Table and
 * column names are the constants above, never input.
 */
export async function deleteExpiredBatch(
  db: DB,
  rule: (typeof EXPIRY_RULES)[number],
  cutoffs: ExpiryCutoffs,
  limit: number,
): Promise<number> {
  const table = sql.table(rule.table);
  const key = sql.join(rule.key.map((k) => sql.ref(k)));
  const keyTuple = rule.key.length === 1 ? key : sql`(${key})`;
  const result = await sql`delete from ${table} where ${keyTuple} in
    (select ${key} from ${table} where ${rule.where(cutoffs)} limit ${sql.lit(limit)})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

// ── SQLite space ────────────────────────────────────────────────────────────────────────────────────

export interface SqliteSpace {
  /** 0 none, 1 full, 2 incremental. */
  autoVacuum: number;
  pageSize: number;
  pageCount: number;
  freePages: number;
}

export async function sqliteSpace(db: DB): Promise<SqliteSpace> {
  const one = async (pragma: string): Promise<number> => {
    const result = await sql.raw<Record<string, number>>(`pragma ${pragma}`).execute(db);
    const row = result.rows[0];
    return row ? Number(Object.values(row)[0]) : 0;
  };
  return {
    autoVacuum: await one('auto_vacuum'),
    pageSize: await one('page_size'),
    pageCount: await one('page_count'),
    freePages: await one('freelist_count'),
  };
}

/** Gives up to `pages` free pages back to the file system (auto_vacuum = INCREMENTAL only). */
export async function sqliteIncrementalVacuum(db: DB, pages: number): Promise<void> {
  await sql.raw(`pragma incremental_vacuum(${Math.max(1, Math.floor(pages))})`).execute(db);
}

/**
 * The one-time switch of an existing file to incremental auto-vacuum: it needs a full VACUUM, which rewrites
 * the whole file and holds the write lock meanwhile (operator action: `retention run --full-vacuum`).
 */
export async function sqliteConvertToIncremental(db: DB): Promise<void> {
  await sql`pragma auto_vacuum = incremental`.execute(db);
  await sql`vacuum`.execute(db);
}

const TRUNCATE_ATTEMPTS = 100;
const TRUNCATE_RETRY_MS = 20;

/**
 * Copies the WAL back into the database file; `truncate` also empties the WAL file (waits for readers). The
 * outbox's writer thread checkpoints on its own every few hundred milliseconds (src/storage/outbox-thread.ts,
 * "Checkpoints"); a checkpoint that finds another in progress gives up at once (`busy`, SQLite does not wait
 * for that lock), so `truncate`, which must empty the WAL (a person's erasure), tries again until it did.
 */
export async function sqliteCheckpoint(db: DB, mode: 'passive' | 'truncate'): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const { rows } = await sql.raw<{ busy: number }>(`pragma wal_checkpoint(${mode})`).execute(db);
    if (mode === 'passive' || rows[0]?.busy !== 1) return;
    if (attempt === TRUNCATE_ATTEMPTS)
      throw new Error(`SQLite checkpoint (truncate) still busy after ${attempt} attempts`);
    await new Promise((resolve) => setTimeout(resolve, TRUNCATE_RETRY_MS));
  }
}
