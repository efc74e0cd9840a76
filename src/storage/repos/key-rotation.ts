/**
 * `tagbridge keys rotate`: re-seals every sealed value under the current ENCRYPTION_KEY, so an old key can
 * be dropped from ENCRYPTION_KEYS_PREVIOUS afterwards. Only values sealed with another key are touched
 * (found by the key id in the value), in id order and small batches, so it can run beside a live service:
 * each row is rewritten only if it still holds the value that was read (an event's personal data erased
 * meanwhile, or a destination reconfigured, is left as the service made it).
 */
import type { Sealer } from '../../lib/crypto.js';
import type { DB } from '../db.js';

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
  events: ResealCounts;
  failures: Array<{ table: string; id: string; error: string }>;
}

const BATCH = 500;

interface Column {
  table: string;
  /** Rows whose value is sealed with another key, ids after `after`, in id order. */
  fetch(after: string | null, notCurrent: string): Promise<Array<{ id: string; sealed: string }>>;
  /** Rows already under the current key. */
  countCurrent(current: string): Promise<number>;
  /** Replace `from` by `to`; false when the row changed meanwhile. */
  update(id: string, from: string, to: string): Promise<boolean>;
}

async function resealColumn(
  sealer: Sealer,
  column: Column,
  failures: RotationReport['failures'],
): Promise<ResealCounts> {
  const current = `v1.${sealer.currentKeyId}.%`;
  const counts: ResealCounts = { resealed: 0, alreadyCurrent: await column.countCurrent(current), failed: 0 };
  let after: string | null = null;
  for (;;) {
    const rows = await column.fetch(after, current);
    if (rows.length === 0) break;
    for (const row of rows) {
      let resealed: string;
      try {
        // The associated data of every sealed value is its row's id (for callbacks: the domain id).
        resealed = sealer.seal(sealer.open<unknown>(row.sealed, row.id), row.id);
      } catch (error) {
        counts.failed += 1;
        if (failures.length < 50)
          failures.push({ table: column.table, id: row.id, error: (error as Error).message });
        continue;
      }
      if (await column.update(row.id, row.sealed, resealed)) counts.resealed += 1;
    }
    after = rows[rows.length - 1]!.id;
  }
  return counts;
}

const changed = (result: { numUpdatedRows: bigint }): boolean => result.numUpdatedRows > 0n;

export async function resealAll(db: DB, sealer: Sealer): Promise<RotationReport> {
  const failures: RotationReport['failures'] = [];
  const domains = await resealColumn(
    sealer,
    {
      table: 'domains',
      fetch: (after, current) =>
        db
          .selectFrom('domains')
          .select(['id', 'proxy_token_sealed as sealed'])
          .where('proxy_token_sealed', 'not like', current)
          .$if(after !== null, (q) => q.where('id', '>', after!))
          .orderBy('id')
          .limit(BATCH)
          .execute(),
      countCurrent: async (current) =>
        Number(
          (
            await db
              .selectFrom('domains')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('proxy_token_sealed', 'like', current)
              .executeTakeFirst()
          )?.n ?? 0,
        ),
      update: async (id, from, to) =>
        changed(
          await db
            .updateTable('domains')
            .set({ proxy_token_sealed: to })
            .where('id', '=', id)
            .where('proxy_token_sealed', '=', from)
            .executeTakeFirst(),
        ),
    },
    failures,
  );
  const destinations = await resealColumn(
    sealer,
    {
      table: 'destinations',
      fetch: (after, current) =>
        db
          .selectFrom('destinations')
          .select(['id', 'credentials_sealed as sealed'])
          .where('credentials_sealed', 'not like', current)
          .$if(after !== null, (q) => q.where('id', '>', after!))
          .orderBy('id')
          .limit(BATCH)
          .execute(),
      countCurrent: async (current) =>
        Number(
          (
            await db
              .selectFrom('destinations')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('credentials_sealed', 'like', current)
              .executeTakeFirst()
          )?.n ?? 0,
        ),
      update: async (id, from, to) =>
        changed(
          await db
            .updateTable('destinations')
            .set({ credentials_sealed: to })
            .where('id', '=', id)
            .where('credentials_sealed', '=', from)
            .executeTakeFirst(),
        ),
    },
    failures,
  );
  const callbacks = await resealColumn(
    sealer,
    {
      table: 'domain_callbacks',
      fetch: (after, current) =>
        db
          .selectFrom('domain_callbacks')
          .select(['domain_id as id', 'token_sealed as sealed'])
          .where('token_sealed', 'not like', current)
          .$if(after !== null, (q) => q.where('domain_id', '>', after!))
          .orderBy('domain_id')
          .limit(BATCH)
          .execute(),
      countCurrent: async (current) =>
        Number(
          (
            await db
              .selectFrom('domain_callbacks')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('token_sealed', 'like', current)
              .executeTakeFirst()
          )?.n ?? 0,
        ),
      update: async (id, from, to) =>
        changed(
          await db
            .updateTable('domain_callbacks')
            .set({ token_sealed: to })
            .where('domain_id', '=', id)
            .where('token_sealed', '=', from)
            .executeTakeFirst(),
        ),
    },
    failures,
  );
  const events = await resealColumn(
    sealer,
    {
      table: 'events',
      fetch: async (after, current) => {
        const rows = await db
          .selectFrom('events')
          .select(['id', 'pii_sealed'])
          .where('pii_sealed', 'is not', null)
          .where('pii_sealed', 'not like', current)
          .$if(after !== null, (q) => q.where('id', '>', after!))
          .orderBy('id')
          .limit(BATCH)
          .execute();
        return rows.map((r) => ({ id: r.id, sealed: r.pii_sealed ?? '' }));
      },
      countCurrent: async (current) =>
        Number(
          (
            await db
              .selectFrom('events')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('pii_sealed', 'like', current)
              .executeTakeFirst()
          )?.n ?? 0,
        ),
      update: async (id, from, to) =>
        changed(
          await db
            .updateTable('events')
            .set({ pii_sealed: to })
            .where('id', '=', id)
            // Erased meanwhile (delivery finished): stays erased.
            .where('pii_sealed', '=', from)
            .executeTakeFirst(),
        ),
    },
    failures,
  );
  return { keyId: sealer.currentKeyId, domains, destinations, callbacks, events, failures };
}
