import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Time partitions on PostgreSQL (issue 14 §3; docs/privacy.md, "PostgreSQL: day partitions"):
 * - Both dialects: `deliveries.event_received_at`, the time of the delivery's event (its `received_at`),
 *   filled for the rows already there. It is what `deliveries` is partitioned by, so an event and its
 *   deliveries share a day. Nullable in the database so a node of the previous release, still running
 *   during a rolling upgrade, can keep inserting (its rows go to the default partition; retention deletes
 *   them by rows).
 * - PostgreSQL: `events` (by `received_at`) and `deliveries` (by `event_received_at`) become
 *   range-partitioned; their keys become `(id, received_at)` (primary) and `(id, event_received_at)`
 *   (unique: a primary key column cannot be null), as a partitioned table's keys must hold the partition key. Day partitions are created ahead by
 *   src/retention/partitions.ts, and a DEFAULT partition takes any row no day partition covers.
 * - Existing rows are not copied: the old table becomes one partition, `events_legacy` /
 *   `deliveries_legacy`, covering everything before the next UTC midnight; retention drops it whole once
 *   that midnight is past the horizon. Without events (a new install) the old tables are not kept: any
 *   rows move to the default partition and they are dropped.
 *   Cost on an upgrade: one UPDATE of every delivery row (the new column), then per table one scan
 *   (the partition bound check) and one index build (the new primary key), under an exclusive lock.
 */
const DAY_MS = 86_400_000;

/** table → its partition key. */
const PARTITIONED = { events: 'received_at', deliveries: 'event_received_at' } as const;
type Partitioned = keyof typeof PARTITIONED;

/** The key constraint on `(id, partition key)`. */
const keyName = (table: Partitioned): string => (table === 'events' ? 'events_pkey' : 'deliveries_id_key');

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deliveries').addColumn('event_received_at', 'bigint').execute();
  await sql`update deliveries set event_received_at = coalesce(
    (select e.received_at from events e where e.id = deliveries.event_pk), created_at)`.execute(db);
  if (!isPostgres(db)) return;
  const newest = await sql<{ at: string | null }>`select max(received_at)::text as at from events`.execute(
    db,
  );
  const latest = Math.max(Date.now(), Number(newest.rows[0]?.at ?? 0));
  const legacyEnd = latest - (latest % DAY_MS) + DAY_MS;
  // The old tables stay as partitions only when they hold events (deliveries without one are orphans).
  const keepLegacy = newest.rows[0]?.at != null;
  for (const table of Object.keys(PARTITIONED) as Partitioned[]) {
    await partition(db, table, keepLegacy ? legacyEnd : null);
  }
}

/** The non-key index definitions of a table, to create again on its replacement. */
async function indexDefinitions(
  db: Kysely<unknown>,
  table: string,
): Promise<{ name: string; def: string }[]> {
  const rows = await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes
    where schemaname = current_schema() and tablename = ${table}
      and indexname not in (${`${table}_pkey`}, 'deliveries_id_key')
    order by indexname`.execute(db);
  return rows.rows.map((r) => ({ name: r.indexname, def: r.indexdef }));
}

/** `CREATE INDEX name ON [ONLY] schema.from USING …` (ONLY: a partitioned table's) → the same on `to`. */
function retarget(def: string, from: string, to: string): string {
  return def.replace(new RegExp(` ON (?:ONLY )?(?:\\S+\\.)?${from} `), ` ON ${to} `);
}

/** `legacyEnd`: the old table becomes the partition of everything before it; null: its rows are moved. */
async function partition(db: Kysely<unknown>, table: Partitioned, legacyEnd: number | null): Promise<void> {
  const key = PARTITIONED[table];
  const legacy = `${table}_legacy`;
  const indexes = await indexDefinitions(db, table);
  await sql`alter table ${sql.table(table)} rename to ${sql.table(legacy)}`.execute(db);
  await sql`alter table ${sql.table(legacy)} drop constraint ${sql.ref(`${table}_pkey`)}`.execute(db);
  for (const index of indexes) {
    await sql`alter index ${sql.ref(index.name)} rename to ${sql.ref(`${index.name}_legacy`)}`.execute(db);
  }
  await sql`create table ${sql.table(table)} (like ${sql.table(legacy)} including defaults)
    partition by range (${sql.ref(key)})`.execute(db);
  // A primary key would make `event_received_at` NOT NULL, and a node of the previous release could no
  // longer insert deliveries: a unique key holds the id the same way.
  const unique = table === 'events' ? sql`primary key` : sql`unique`;
  await sql`alter table ${sql.table(table)} add constraint ${sql.ref(keyName(table))}
    ${unique} (id, ${sql.ref(key)})`.execute(db);
  for (const index of indexes) await sql.raw(retarget(index.def, legacy, table)).execute(db);
  const fill = table === 'deliveries' ? sql`with (fillfactor = 70)` : sql``;
  await sql`create table ${sql.table(`${table}_default`)} partition of ${sql.table(table)} default ${fill}`.execute(
    db,
  );
  if (legacyEnd === null) {
    await sql`insert into ${sql.table(table)} select * from ${sql.table(legacy)}`.execute(db);
    await sql`drop table ${sql.table(legacy)}`.execute(db);
    return;
  }
  await sql`alter table ${sql.table(table)} attach partition ${sql.table(legacy)}
    for values from (minvalue) to (${sql.lit(legacyEnd)})`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    for (const table of Object.keys(PARTITIONED) as Partitioned[]) await unpartition(db, table);
  }
  await db.schema.alterTable('deliveries').dropColumn('event_received_at').execute();
}

/** Every partition's rows back into one plain table with the keys and indexes of 0012. */
async function unpartition(db: Kysely<unknown>, table: Partitioned): Promise<void> {
  const old = `${table}_partitioned`;
  const indexes = await indexDefinitions(db, table);
  await sql`alter table ${sql.table(table)} rename to ${sql.table(old)}`.execute(db);
  await sql`create table ${sql.table(table)} (like ${sql.table(old)} including defaults)`.execute(db);
  if (table === 'deliveries') await sql`alter table deliveries set (fillfactor = 70)`.execute(db);
  await sql`insert into ${sql.table(table)} select * from ${sql.table(old)}`.execute(db);
  await sql`drop table ${sql.table(old)} cascade`.execute(db);
  await sql`alter table ${sql.table(table)} add constraint ${sql.ref(`${table}_pkey`)} primary key (id)`.execute(
    db,
  );
  for (const index of indexes) await sql.raw(retarget(index.def, old, table)).execute(db);
}
