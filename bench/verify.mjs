/**
 * Correctness checks and disk usage, read from the server's database while it runs or after it stopped:
 * the SQLite file read-only (WAL lets us read while the server writes), or the run's own PostgreSQL
 * database. Both behind one small async "store" so every check reads the same on either dialect.
 *
 * These queries know the current tables (events.event_id, deliveries.event_pk/status/final_at): a new
 * queue design has to be mirrored here.
 */
import { statSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { idHash, seqOf } from './bodies.mjs';
import { FAILED, OK, SENT } from './load.mjs';

// int8 (counts, millisecond times) as numbers, as the server does.
pg.types.setTypeParser(20, (value) => Number(value));

const PAGE = 20_000;

/**
 * `{ dialect: 'sqlite', file }` or `{ dialect: 'postgres', url }` (a database of its own per phase, so its
 * tables are the run's tables).
 */
export async function openStore(target) {
  return target.dialect === 'postgres' ? openPostgres(target) : openSqlite(target);
}

function openSqlite({ file }) {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  const range = (prefix) => [prefix, `${prefix}\uffff`];
  return {
    async *eventIds(prefix = '') {
      let page = [];
      for (const { event_id } of db
        .prepare('select event_id from events where event_id >= ? and event_id < ?')
        .iterate(...range(prefix))) {
        page.push(event_id);
        if (page.length === PAGE) {
          yield page;
          page = [];
        }
      }
      if (page.length) yield page;
    },
    async counts(prefix) {
      const events = db
        .prepare(
          'select count(*) as n, count(distinct event_id) as d from events where event_id >= ? and event_id < ?',
        )
        .get(...range(prefix));
      const deliveries = db
        .prepare(
          'select count(*) as n from deliveries d join events e on e.id = d.event_pk where e.event_id >= ? and e.event_id < ?',
        )
        .get(...range(prefix)).n;
      return { rows: events.n, distinct: events.d, deliveries };
    },
    async totalEvents() {
      return db.prepare('select count(*) as n from events').get().n;
    },
    async deliveryCounts() {
      const counts = {};
      for (const row of db.prepare('select status, count(*) as n from deliveries group by status').all()) {
        counts[row.status] = row.n;
      }
      return counts;
    },
    async lastOutcomeAt() {
      return db.prepare("select max(final_at) as t from deliveries where status = 'delivered'").get().t;
    },
    async close() {
      db.close();
    },
  };
}

async function openPostgres({ url }) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const one = async (text, values) => (await client.query(text, values)).rows[0];
  return {
    async *eventIds(prefix = '') {
      // A cursor in a read-only transaction: memory stays at one page however many events the run stored.
      await client.query('begin read only');
      try {
        await client.query(
          'declare ids no scroll cursor for select event_id from events where left(event_id, $1) = $2',
          [prefix.length, prefix],
        );
        for (;;) {
          const { rows } = await client.query(`fetch ${PAGE} from ids`);
          if (rows.length === 0) break;
          yield rows.map((row) => row.event_id);
        }
      } finally {
        await client.query('rollback');
      }
    },
    async counts(prefix) {
      const events = await one(
        'select count(*)::int as n, count(distinct event_id)::int as d from events where left(event_id, $1) = $2',
        [prefix.length, prefix],
      );
      const deliveries = await one(
        'select count(*)::int as n from deliveries d join events e on e.id = d.event_pk where left(e.event_id, $1) = $2',
        [prefix.length, prefix],
      );
      return { rows: events.n, distinct: events.d, deliveries: deliveries.n };
    },
    async totalEvents() {
      return (await one('select count(*)::int as n from events')).n;
    },
    async deliveryCounts() {
      const counts = {};
      const { rows } = await client.query(
        'select status, count(*)::int as n from deliveries group by status',
      );
      for (const row of rows) counts[row.status] = row.n;
      return counts;
    },
    async lastOutcomeAt() {
      return (await one("select max(final_at) as t from deliveries where status = 'delivered'")).t;
    },
    async close() {
      await client.end();
    },
  };
}

/** One query on a connection of its own (the disk figures, read once per phase). */
async function queryOnce(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Bytes the run's data takes on disk. SQLite: the database file plus its WAL (after the server stopped,
 * the WAL is usually checkpointed away). PostgreSQL: pg_total_relation_size (heap, indexes, TOAST) of
 * every table of the run's database; the cluster-wide WAL is not counted.
 */
export async function bytesOnDisk(target) {
  if (target.dialect === 'postgres') {
    const [{ n }] = await queryOnce(
      target.url,
      `select coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass)), 0)::bigint as n
         from pg_tables where schemaname not in ('pg_catalog', 'information_schema')`,
    );
    return { total: n, parts: { tables: n } };
  }
  const size = (path) => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };
  const db = size(target.file);
  const wal = size(`${target.file}-wal`);
  return { total: db + wal, parts: { db, wal } };
}

/**
 * Where the bytes are: per table and index, largest first. SQLite: the `dbstat` virtual table (pages of each
 * b-tree, read-only, after a checkpoint by the server or while the WAL still holds pages — those count
 * in `wal`, not here). PostgreSQL: pg_relation_size of every heap (with its TOAST) and index.
 */
export async function diskBreakdown(target) {
  if (target.dialect === 'postgres') {
    const rows = await queryOnce(
      target.url,
      `select c.relname as name,
              (pg_relation_size(c.oid) + coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0))::bigint as bytes
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and c.relkind in ('r', 'i')
        order by 2 desc`,
    );
    return rows.filter((r) => r.bytes > 0);
  }
  const db = new SQLite(target.file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('select name, sum(pgsize) as bytes from dbstat group by name order by bytes desc')
      .all()
      .filter((r) => r.bytes > 0);
  } catch {
    return []; // a build of SQLite without dbstat
  } finally {
    db.close();
  }
}

/**
 * After an ingest phase: every event of every 2xx request is stored exactly once with one delivery (no
 * loss, no duplicates); a request answered with an error stored nothing; a request cut off when the
 * load generator stopped stored all of its events or none (one transaction).
 */
export async function verifyIngest(store, { prefix, eventsPerRequest, status }) {
  const perSeq = new Uint16Array(status.length);
  let foreign = 0;
  for await (const page of store.eventIds(prefix)) {
    for (const eventId of page) {
      const seq = seqOf(prefix, eventId);
      if (seq < 0 || seq >= perSeq.length) foreign += 1;
      else perSeq[seq] += 1;
    }
  }
  const { rows, distinct, deliveries } = await store.counts(prefix);

  let okRequests = 0;
  let lost = 0;
  let partial = 0;
  let storedAfterError = 0;
  let cutOff = 0;
  let cutOffStored = 0;
  for (let seq = 0; seq < status.length; seq += 1) {
    const n = perSeq[seq];
    if (status[seq] === OK) {
      okRequests += 1;
      if (n < eventsPerRequest) lost += eventsPerRequest - n;
    } else if (status[seq] === FAILED) {
      if (n > 0) storedAfterError += n;
    } else if (status[seq] === SENT) {
      cutOff += 1;
      if (n === eventsPerRequest) cutOffStored += 1;
    }
    if (n !== 0 && n !== eventsPerRequest) partial += 1;
  }
  const expected = okRequests * eventsPerRequest;
  const duplicates = rows - distinct;
  const storedOk = rows - cutOffStored * eventsPerRequest - storedAfterError;
  const errors = [];
  if (lost > 0) errors.push(`${lost} events of 2xx requests are missing`);
  if (duplicates > 0) errors.push(`${duplicates} duplicate event rows`);
  if (partial > 0) errors.push(`${partial} requests stored only part of their events`);
  if (storedAfterError > 0) errors.push(`${storedAfterError} events stored for requests answered non-2xx`);
  if (foreign > 0) errors.push(`${foreign} rows with unexpected event ids`);
  if (storedOk !== expected) errors.push(`rows of 2xx requests ${storedOk} != 2xx events ${expected}`);
  if (deliveries !== rows) errors.push(`${deliveries} deliveries for ${rows} events (expected one each)`);
  return {
    ok: errors.length === 0,
    errors,
    eventRows: rows,
    okEvents: expected,
    storedOkEvents: storedOk,
    deliveryRows: deliveries,
    cutOffRequests: cutOff,
    cutOffRequestsStored: cutOffStored,
  };
}

/** Count and order-independent checksum (see idHash) of every stored event id, to compare with the fake's. */
export async function storedIdDigest(store) {
  let count = 0;
  let sum = 0;
  for await (const page of store.eventIds()) {
    for (const eventId of page) {
      count += 1;
      sum = (sum + idHash(eventId)) >>> 0;
    }
  }
  return { count, sum };
}

/**
 * Every stored event delivered exactly once: every delivery row `delivered`, the fake accepted as many
 * distinct events as are stored, with the same ids (count and checksum), none twice, and answered every
 * request with 200.
 */
export function verifyDelivered({ counts, stored, stats }) {
  const errors = [];
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if ((counts.delivered ?? 0) !== total || total !== stored.count)
    errors.push(`deliveries ${JSON.stringify(counts)} for ${stored.count} stored events`);
  if (stats.unique !== stored.count)
    errors.push(`fake received ${stats.unique} distinct events, ${stored.count} are stored`);
  else if (stats.idSum !== stored.sum) errors.push('the ids the fake received are not the ids stored');
  if (stats.events !== stats.unique)
    errors.push(`fake received ${stats.events - stats.unique} events more than once`);
  if (stats.non200 > 0)
    errors.push(`fake answered ${stats.non200} requests non-200: ${JSON.stringify(stats.errors)}`);
  return { ok: errors.length === 0, errors };
}
