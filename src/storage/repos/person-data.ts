/**
 * A person's data (GDPR Art. 15 and 17, src/retention/person.ts): the sealed values to scan, the clear-text
 * columns that might quote them, and the erasure statements. Scoped to one org, or to every org (operator).
 */
import { type RawBuilder, sql } from 'kysely';
import type { Sealer } from '../../lib/crypto.js';
import type { DB, Dialect } from '../db.js';
import { COUNTED_COLUMNS, countMoves, PENDING } from './deliveries.js';
import { blankSlots, releaseSlots } from './pii-groups.js';

function idIn(dialect: Dialect, column: string, ids: readonly string[]): RawBuilder<boolean> {
  return dialect === 'postgres'
    ? sql<boolean>`${sql.ref(column)} = any(${ids})`
    : sql<boolean>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(ids)}))`;
}

const orgScope = (orgId: string | null, column = 'org_id'): RawBuilder<boolean> =>
  orgId === null ? sql<boolean>`1 = 1` : sql<boolean>`${sql.ref(column)} = ${orgId}`;

export interface SealedRow {
  id: string;
  org_id: string;
  domain_id: string;
  /** Null for an event whose data sits in its ingest group (`group`, `slot`; storage/pii-groups.ts). */
  sealed: Buffer | string | null;
  /** events: the sealed group and the event's slot in it (null on rows sealed on their own). */
  group?: number | string | null;
  slot?: number | null;
  /** orders: the order id (part of its seal's associated data). */
  extra: string | null;
}

type SealedSource = 'events' | 'visitors' | 'orders' | 'shop_webhooks';

const SEALED: Record<SealedSource, { column: string; extra: string | null }> = {
  events: { column: 'pii_sealed', extra: null },
  visitors: { column: 'identity_sealed', extra: null },
  orders: { column: 'snapshot_sealed', extra: 'order_id' },
  shop_webhooks: { column: 'body_sealed', extra: null },
};

/** One page (by id) of a table's rows that still hold sealed personal data. */
export async function sealedRowsPage(
  db: DB,
  source: SealedSource,
  orgId: string | null,
  afterId: string,
  limit: number,
): Promise<SealedRow[]> {
  const { column, extra } = SEALED[source];
  if (source === 'events') {
    const result = await sql<SealedRow>`select id, org_id, domain_id, pii_sealed as sealed,
        pii_group as ${sql.ref('group')}, pii_slot as slot, null as extra
      from events
      where (pii_sealed is not null or pii_slot is not null) and id > ${afterId} and ${orgScope(orgId)}
      order by id limit ${sql.lit(limit)}`.execute(db);
    return result.rows;
  }
  const result = await sql<SealedRow>`select id, org_id, domain_id, ${sql.ref(column)} as sealed,
      ${extra ? sql.ref(extra) : sql`null`} as extra
    from ${sql.table(source)}
    where ${sql.ref(column)} is not null and id > ${afterId} and ${orgScope(orgId)}
    order by id limit ${sql.lit(limit)}`.execute(db);
  return result.rows;
}

/** Clear-text columns that might quote a person (values as sent before sealing, messages, payloads). */
export const TEXT_COLUMNS = [
  {
    table: 'events',
    key: 'id',
    columns: ['custom_data', 'custom_data_sent', 'event_source_url'],
    org: 'org_id',
  },
  { table: 'delivery_attempts', key: 'id', columns: ['message'], org: null },
  { table: 'deliveries', key: 'id', columns: ['last_error'], org: 'org_id' },
  { table: 'audit_log', key: 'id', columns: ['details'], org: 'org_id' },
  { table: 'webhook_messages', key: 'id', columns: ['payload', 'last_error'], org: 'org_id' },
  { table: 'webhook_attempts', key: 'id', columns: ['response_body', 'error'], org: null },
  { table: 'login_tokens', key: 'id', columns: ['email'], org: 'org_id' },
] as const;

export type TextTable = (typeof TEXT_COLUMNS)[number]['table'];

/**
 * Ids of the rows of a clear-text table whose columns contain any needle (lower-case compared). A scan: an
 * erasure is rare, and no index could find a value inside JSON text.
 */
export async function rowsMentioning(
  db: DB,
  entry: (typeof TEXT_COLUMNS)[number],
  orgId: string | null,
  needles: readonly string[],
): Promise<string[]> {
  if (needles.length === 0) return [];
  const matches = sql.join(
    entry.columns.flatMap((column) =>
      needles.map((needle) => sql`lower(${sql.ref(column)}) like ${`%${needle.replace(/[\\%_]/g, '')}%`}`),
    ),
    sql` or `,
  );
  // Tables without their own org id (attempts) are scoped through their parent row.
  const scope =
    orgId === null
      ? sql`1 = 1`
      : entry.org
        ? orgScope(orgId, entry.org)
        : entry.table === 'delivery_attempts'
          ? // Through the org's events (indexed by org), since deliveries have no index by org (migration 0013).
            sql`delivery_id in (select d.id from events e join deliveries d on d.event_pk = e.id
              where e.org_id = ${orgId})`
          : sql`endpoint_id in (select id from webhook_endpoints where org_id = ${orgId})`;
  const result = await sql<{ id: string }>`select ${sql.ref(entry.key)} as id from ${sql.table(entry.table)}
    where (${matches}) and ${scope}`.execute(db);
  return result.rows.map((r) => r.id);
}

/**
 * Removes what those rows quote: login tokens are deleted; a webhook payload becomes `{}` (NOT NULL);
 * every other matched column is emptied (null).
 */
export async function redactRows(
  db: DB,
  dialect: Dialect,
  entry: (typeof TEXT_COLUMNS)[number],
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  if (entry.table === 'login_tokens') {
    const result = await sql`delete from login_tokens where ${idIn(dialect, 'id', ids)}`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  }
  const sets = sql.join(
    entry.columns.map((column) =>
      column === 'payload' ? sql`payload = '{}'` : sql`${sql.ref(column)} = null`,
    ),
  );
  const result =
    await sql`update ${sql.table(entry.table)} set ${sets} where ${idIn(dialect, entry.key, ids)}`.execute(
      db,
    );
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Erases events' sealed personal data; their deliveries still waiting are skipped (nothing is sent for a
 * person who asked to be forgotten).
 */
export async function eraseEventSeals(
  db: DB,
  dialect: Dialect,
  sealer: Sealer,
  ids: readonly string[],
  now: number,
): Promise<{ events: number; deliveries: number }> {
  if (ids.length === 0) return { events: 0, deliveries: 0 };
  return db.transaction().execute(async (trx) => {
    // Entries in a sealed group: blanked there (the rest of the group may wait for days), and the
    // group's count released. Locked on PostgreSQL so a delivery's erasure cannot release them too.
    let grouped = trx
      .selectFrom('events')
      .select(['pii_group', 'pii_slot'])
      .where(idIn(dialect, 'id', ids))
      .where('pii_slot', 'is not', null);
    if (dialect === 'postgres') grouped = grouped.forUpdate();
    const slots = (await grouped.execute()).map((row) => ({
      group: Number(row.pii_group),
      slot: row.pii_slot!,
    }));
    await blankSlots(trx, dialect, sealer, slots);
    await releaseSlots(
      trx,
      slots.map((s) => s.group),
    );
    const deliveries = await trx
      .updateTable('deliveries')
      .set({
        status: 'skipped',
        final_at: now,
        updated_at: now,
        lease_owner: null,
        lease_expires_at: null,
        last_error: 'personal data erased on request',
      })
      .where(idIn(dialect, 'event_pk', ids))
      .where('status', '=', PENDING)
      .returning(COUNTED_COLUMNS)
      .execute();
    await countMoves(trx, deliveries, 'pending');
    const events = await trx
      .updateTable('events')
      .set({ pii_sealed: null, pii_slot: null, pii_erased_at: now })
      .where(idIn(dialect, 'id', ids))
      .executeTakeFirst();
    return { events: Number(events.numUpdatedRows), deliveries: deliveries.length };
  });
}

export async function eraseOrderSnapshots(
  db: DB,
  dialect: Dialect,
  ids: readonly string[],
  now: number,
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .updateTable('orders')
    .set({ snapshot_sealed: null, snapshot_erased_at: now })
    .where(idIn(dialect, 'id', ids))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function eraseShopWebhookBodies(
  db: DB,
  dialect: Dialect,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .updateTable('shop_webhooks')
    .set({ body_sealed: null })
    .where(idIn(dialect, 'id', ids))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface VisitorRef {
  id: string;
  org_id: string;
  domain_id: string;
  visitor_id: string;
}

export async function visitorsByShopperKeys(
  db: DB,
  orgId: string | null,
  keys: readonly string[],
): Promise<VisitorRef[]> {
  if (keys.length === 0) return [];
  return db
    .selectFrom('visitors')
    .select(['id', 'org_id', 'domain_id', 'visitor_id'])
    .where('shopper_key', 'in', keys)
    .where(orgScope(orgId))
    .execute();
}

export async function visitorsById(db: DB, dialect: Dialect, ids: readonly string[]): Promise<VisitorRef[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('visitors')
    .select(['id', 'org_id', 'domain_id', 'visitor_id'])
    .where(idIn(dialect, 'id', ids))
    .execute();
}

export async function touchpointsOfVisitors(
  db: DB,
  visitors: readonly VisitorRef[],
): Promise<
  Array<{ id: string; domain_id: string; visitor_id: string; occurred_at: number; channel: string }>
> {
  const out = [];
  for (const v of visitors) {
    out.push(
      ...(await db
        .selectFrom('touchpoints')
        .select(['id', 'domain_id', 'visitor_id', 'occurred_at', 'channel'])
        .where('domain_id', '=', v.domain_id)
        .where('visitor_id', '=', v.visitor_id)
        .execute()),
    );
  }
  return out;
}

export async function conversionsOf(
  db: DB,
  orgId: string | null,
  shopperKeys: readonly string[],
  visitors: readonly VisitorRef[],
): Promise<
  Array<{
    id: string;
    domain_id: string;
    order_id: string;
    value: string | null;
    currency: string | null;
    occurred_at: number;
  }>
> {
  const conditions: RawBuilder<boolean>[] = [];
  if (shopperKeys.length > 0) conditions.push(sql<boolean>`shopper_key in (${sql.join(shopperKeys)})`);
  for (const v of visitors)
    conditions.push(sql<boolean>`(domain_id = ${v.domain_id} and visitor_id = ${v.visitor_id})`);
  if (conditions.length === 0) return [];
  const result = await sql<{
    id: string;
    domain_id: string;
    order_id: string;
    value: string | null;
    currency: string | null;
    occurred_at: number;
  }>`
    select id, domain_id, order_id, value, currency, occurred_at from conversions
    where (${sql.join(conditions, sql` or `)}) and ${orgScope(orgId)}`.execute(db);
  return result.rows;
}

/**
 * Deletes the visitors with their touchpoints, and unlinks their conversions (the order stays in the
 * report, attributed to nobody: it is the shop's sale, not the person's data).
 */
export async function eraseVisitors(
  db: DB,
  dialect: Dialect,
  visitors: readonly VisitorRef[],
  conversionIds: readonly string[],
): Promise<{ visitors: number; touchpoints: number; conversions: number }> {
  return db.transaction().execute(async (trx) => {
    let touchpoints = 0;
    for (const v of visitors) {
      const result = await trx
        .deleteFrom('touchpoints')
        .where('domain_id', '=', v.domain_id)
        .where('visitor_id', '=', v.visitor_id)
        .executeTakeFirst();
      touchpoints += Number(result.numDeletedRows);
    }
    const deleted =
      visitors.length === 0
        ? 0
        : Number(
            (
              await trx
                .deleteFrom('visitors')
                .where(
                  idIn(
                    dialect,
                    'id',
                    visitors.map((v) => v.id),
                  ),
                )
                .executeTakeFirst()
            ).numDeletedRows,
          );
    const conversions =
      conversionIds.length === 0
        ? 0
        : Number(
            (
              await trx
                .updateTable('conversions')
                .set({ shopper_key: null, visitor_id: null })
                .where(idIn(dialect, 'id', conversionIds))
                .executeTakeFirst()
            ).numUpdatedRows,
          );
    return { visitors: deleted, touchpoints, conversions };
  });
}

/** Orgs that exist (an owner's erasure names one; the operator's covers all). */
export async function orgExists(db: DB, orgId: string): Promise<boolean> {
  return (await db.selectFrom('orgs').select('id').where('id', '=', orgId).executeTakeFirst()) !== undefined;
}
