/**
 * Correctness checks against the server's SQLite file, read-only (WAL lets us read while it runs).
 */
import SQLite from 'better-sqlite3';
import { seqOf } from './bodies.mjs';
import { FAILED, OK, SENT } from './load.mjs';

export function openReadOnly(file) {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  return db;
}

/**
 * After an ingest phase: every event of every 2xx request is stored exactly once with one delivery (no
 * loss, no duplicates); a request answered with an error stored nothing; a request cut off when the
 * load generator stopped stored all of its events or none (one transaction).
 */
export function verifyIngest(file, { prefix, eventsPerRequest, status }) {
  const db = openReadOnly(file);
  try {
    const perSeq = new Uint16Array(status.length);
    let rows = 0;
    let foreign = 0;
    const hi = `${prefix}\uffff`;
    for (const { event_id } of db
      .prepare('select event_id from events where event_id >= ? and event_id < ?')
      .iterate(prefix, hi)) {
      rows += 1;
      const seq = seqOf(prefix, event_id);
      if (seq < 0 || seq >= perSeq.length) foreign += 1;
      else perSeq[seq] += 1;
    }
    const distinct = db
      .prepare('select count(distinct event_id) as n from events where event_id >= ? and event_id < ?')
      .get(prefix, hi).n;
    const deliveries = db
      .prepare(
        'select count(*) as n from deliveries d join events e on e.id = d.event_pk where e.event_id >= ? and e.event_id < ?',
      )
      .get(prefix, hi).n;

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
  } finally {
    db.close();
  }
}

/** Delivery status counts and the time the last outcome was recorded (server clock, ms). */
export function deliveryCounts(db) {
  const counts = {};
  for (const row of db.prepare('select status, count(*) as n from deliveries group by status').all()) {
    counts[row.status] = row.n;
  }
  return counts;
}

export function lastOutcomeAt(db) {
  return db.prepare("select max(final_at) as t from deliveries where status = 'delivered'").get().t;
}
