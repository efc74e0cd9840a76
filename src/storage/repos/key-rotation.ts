/**
 * `tagbridge keys rotate`: re-seals every sealed value under the current ENCRYPTION_KEY, so an old key can
 * be dropped from ENCRYPTION_KEYS_PREVIOUS afterwards. Only values sealed with another key are touched
 * (found by the key id in the value), in id order and small batches, so it can run beside a live service:
 * each row is rewritten only if it still holds the value that was read (an event's personal data erased
 * meanwhile, or a destination reconfigured, is left as the service made it).
 */
import { sql } from 'kysely';
import type { Sealer } from '../../lib/crypto.js';
import type { DB } from '../db.js';
import { GROUP_AAD } from '../pii-groups.js';

export interface ResealCounts {
  /** Re-sealed under the current key now. */
  resealed: number;
  /** Already under the current key. */
  alreadyCurrent: number;
  /** Could not be opened (a key missing from ENCRYPTION_KEYS_PREVIOUS, or damaged): left as they were. */
  failed: number;
}

export interface RotationReport {
  keyId: string;
  domains: ResealCounts;
  destinations: ResealCounts;
  callbacks: ResealCounts;
  /** Events' personal data, sealed on their own or with their ingest group: counted per event. */
  events: ResealCounts;
  /** Webhook endpoints' signing secrets, current and (during a rotation's grace period) previous. */
  webhookSecrets: ResealCounts;
  failures: Array<{ table: string; id: string; error: string }>;
}

const BATCH = 500;

type Sealed = string | Buffer;

interface Column {
  table: string;
  /** Rows whose value is sealed with another key, ids after `after`, in id order. */
  fetch(after: string | null): Promise<Array<{ id: string; sealed: Sealed; weight: number | string }>>;
  /** Rows already under the current key. */
  countCurrent(): Promise<number>;
  /** The associated data a row's value is sealed with. */
  aad(rowId: string): string;
  /** The value re-sealed under the current key, in the column's format. */
  reseal(value: unknown, aad: string): Sealed;
  /** Replace `from` by `to`; false when the row changed meanwhile. */
  update(id: string, from: Sealed, to: Sealed): Promise<boolean>;
}

async function resealColumn(
  sealer: Sealer,
  column: Column,
  failures: RotationReport['failures'],
): Promise<ResealCounts> {
  const counts: ResealCounts = { resealed: 0, alreadyCurrent: await column.countCurrent(), failed: 0 };
  let after: string | null = null;
  for (;;) {
    const rows = await column.fetch(after);
    if (rows.length === 0) break;
    for (const row of rows) {
      let resealed: Sealed;
      try {
        const aad = column.aad(row.id);
        resealed = column.reseal(sealer.open<unknown>(row.sealed, aad), aad);
      } catch (error) {
        counts.failed += Number(row.weight);
        if (failures.length < 50)
          failures.push({ table: column.table, id: row.id, error: (error as Error).message });
        continue;
      }
      if (await column.update(row.id, row.sealed, resealed)) counts.resealed += Number(row.weight);
    }
    after = rows[rows.length - 1]!.id;
  }
  return counts;
}

/**
 * One sealed column as a Column. Raw SQL through Kysely's `sql` so the tables share one definition. A text
 * column (`v1.<keyId>.…`) is matched with `like`; a binary one (events' personal data) by its first five
 * bytes, version and key id, with `substr`, which both dialects apply to bytes. Either comparison skips
 * NULLs (an erased event's personal data). On SQLite a text value left in the binary column by an earlier
 * release never equals the binary prefix, so it is re-sealed, into the binary format.
 */
function sealedColumn(
  db: DB,
  sealer: Sealer,
  table: string,
  idColumn: string,
  sealedColumn: string,
  format: 'text' | 'binary',
  // The associated data of most sealed values is their row's id (for callbacks: the domain id).
  aad: (rowId: string) => string = (rowId) => rowId,
  // What a value counts as: one row, or (an ingest group) the events whose data it still holds.
  weightColumn: string | null = null,
): Column {
  const weight = weightColumn === null ? sql`1` : sql.ref(weightColumn);
  const id = sql.ref(idColumn);
  const sealed = sql.ref(sealedColumn);
  const current =
    format === 'text'
      ? {
          is: sql`${sealed} like ${`v1.${sealer.currentKeyId}.%`}`,
          not: sql`${sealed} not like ${`v1.${sealer.currentKeyId}.%`}`,
        }
      : {
          is: sql`substr(${sealed}, 1, 5) = ${sealer.currentBinaryPrefix}`,
          not: sql`substr(${sealed}, 1, 5) <> ${sealer.currentBinaryPrefix}`,
        };
  return {
    table,
    async fetch(after) {
      const result = await sql<{ id: string; sealed: Sealed; weight: number | string }>`
        select ${id} as id, ${sealed} as sealed, ${weight} as weight from ${sql.table(table)}
        where ${current.not} ${after === null ? sql`` : sql`and ${id} > ${after}`}
        order by ${id} limit ${BATCH}`.execute(db);
      return result.rows;
    },
    async countCurrent() {
      const result = await sql<{ n: number | string }>`
        select coalesce(sum(${weight}), 0) as n from ${sql.table(table)} where ${current.is}`.execute(db);
      return Number(result.rows[0]?.n ?? 0);
    },
    aad,
    reseal: (value, associatedData) =>
      format === 'text' ? sealer.seal(value, associatedData) : sealer.sealBinary(value, associatedData),
    async update(rowId, from, to) {
      // Only if unchanged since it was read (an erased or reconfigured value stays as the service made it).
      const result = await sql`
        update ${sql.table(table)} set ${sealed} = ${to} where ${id} = ${rowId} and ${sealed} = ${from}`.execute(
        db,
      );
      return (result.numAffectedRows ?? 0n) > 0n;
    },
  };
}

export async function resealAll(db: DB, sealer: Sealer): Promise<RotationReport> {
  const failures: RotationReport['failures'] = [];
  const reseal = (
    table: string,
    idColumn: string,
    column: string,
    format: 'text' | 'binary' = 'text',
  ): Promise<ResealCounts> =>
    resealColumn(sealer, sealedColumn(db, sealer, table, idColumn, column, format), failures);
  const domains = await reseal('domains', 'id', 'proxy_token_sealed');
  const destinations = await reseal('destinations', 'id', 'credentials_sealed');
  // The associated data of a callback token is its domain id, which is also the row's key.
  const callbacks = await reseal('domain_callbacks', 'domain_id', 'token_sealed');
  const eventRows = await reseal('events', 'id', 'pii_sealed', 'binary');
  // Most events' data sits in their ingest group's value (storage/pii-groups.ts): counted as the events
  // whose data it still holds.
  const groups = await resealColumn(
    sealer,
    sealedColumn(db, sealer, 'pii_groups', 'id', 'sealed', 'binary', () => GROUP_AAD, 'pending'),
    failures,
  );
  const events = {
    resealed: eventRows.resealed + groups.resealed,
    alreadyCurrent: eventRows.alreadyCurrent + groups.alreadyCurrent,
    failed: eventRows.failed + groups.failed,
  };
  // Both secrets of an endpoint are bound to its id.
  const current = await reseal('webhook_endpoints', 'id', 'secret_sealed');
  const previous = await reseal('webhook_endpoints', 'id', 'previous_secret_sealed');
  const webhookSecrets = {
    resealed: current.resealed + previous.resealed,
    alreadyCurrent: current.alreadyCurrent + previous.alreadyCurrent,
    failed: current.failed + previous.failed,
  };
  return { keyId: sealer.currentKeyId, domains, destinations, callbacks, events, webhookSecrets, failures };
}
