/**
 * Visitors, touchpoints and conversions (migration 0011; src/attribution/). Every query names the domain
 * (and the org where a caller could name another's): a visitor id is only unique within its domain.
 */
import type { DB } from '../db.js';
import type { ConversionsTable, TouchpointsTable, VisitorsTable } from '../schema.js';

export interface VisitorState {
  id: string;
  shopperKey: string | null;
  lastSeenAt: number;
}

export async function findVisitor(
  db: DB,
  domainId: string,
  visitorId: string,
): Promise<VisitorState | undefined> {
  const row = await db
    .selectFrom('visitors')
    .select(['id', 'shopper_key', 'last_seen_at'])
    .where('domain_id', '=', domainId)
    .where('visitor_id', '=', visitorId)
    .executeTakeFirst();
  return row && { id: row.id, shopperKey: row.shopper_key, lastSeenAt: Number(row.last_seen_at) };
}

/** A new visitor; a concurrent request that inserted it first wins (the caller reads it back). */
export async function insertVisitor(db: DB, row: VisitorsTable): Promise<void> {
  await db
    .insertInto('visitors')
    .values(row)
    .onConflict((oc) => oc.columns(['domain_id', 'visitor_id']).doNothing())
    .execute();
}

export async function touchVisitor(db: DB, id: string, now: number): Promise<void> {
  await db.updateTable('visitors').set({ last_seen_at: now }).where('id', '=', id).execute();
}

/** Links a visitor to a shopper (the latest identity wins: a visitor is one shopper at a time). */
export async function stitchVisitor(
  db: DB,
  id: string,
  stitch: { shopperKey: string; identitySealed: string | null; now: number },
): Promise<void> {
  await db
    .updateTable('visitors')
    .set({
      shopper_key: stitch.shopperKey,
      identity_sealed: stitch.identitySealed,
      stitched_at: stitch.now,
      last_seen_at: stitch.now,
    })
    .where('id', '=', id)
    .execute();
}

/** Stitches a visitor to a purchase's shopper unless an identify stitched it already. */
export async function stitchUnstitchedVisitor(
  db: DB,
  id: string,
  stitch: { shopperKey: string; identitySealed: string | null; now: number },
): Promise<void> {
  await db
    .updateTable('visitors')
    .set({ shopper_key: stitch.shopperKey, identity_sealed: stitch.identitySealed, stitched_at: stitch.now })
    .where('id', '=', id)
    .where('shopper_key', 'is', null)
    .execute();
}

export interface LatestTouchpoint {
  id: string;
  channel: string;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  occurredAt: number;
  detailsSealed: string;
}

export async function latestTouchpoint(
  db: DB,
  domainId: string,
  visitorId: string,
): Promise<LatestTouchpoint | undefined> {
  const row = await db
    .selectFrom('touchpoints')
    .select(['id', 'channel', 'utm_source', 'utm_medium', 'utm_campaign', 'occurred_at', 'details_sealed'])
    .where('domain_id', '=', domainId)
    .where('visitor_id', '=', visitorId)
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      channel: row.channel,
      utmSource: row.utm_source,
      utmMedium: row.utm_medium,
      utmCampaign: row.utm_campaign,
      occurredAt: Number(row.occurred_at),
      detailsSealed: row.details_sealed,
    }
  );
}

export async function insertTouchpoint(db: DB, row: TouchpointsTable): Promise<void> {
  await db.insertInto('touchpoints').values(row).execute();
}

/** Keeps a visitor's `keep` latest touchpoints and deletes the older ones (reads at most keep+1 index rows). */
export async function pruneTouchpoints(
  db: DB,
  domainId: string,
  visitorId: string,
  keep: number,
): Promise<number> {
  const oldestKept = await db
    .selectFrom('touchpoints')
    .select(['occurred_at', 'id'])
    .where('domain_id', '=', domainId)
    .where('visitor_id', '=', visitorId)
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .offset(keep - 1)
    .limit(1)
    .executeTakeFirst();
  if (!oldestKept) return 0;
  const at = Number(oldestKept.occurred_at);
  const result = await db
    .deleteFrom('touchpoints')
    .where('domain_id', '=', domainId)
    .where('visitor_id', '=', visitorId)
    .where((eb) =>
      eb.or([eb('occurred_at', '<', at), eb.and([eb('occurred_at', '=', at), eb('id', '<', oldestKept.id)])]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * The order's conversion row, once per domain and order: a second report of the order (the pixel's and the
 * shop server's Purchase, a retry) fills in what the first lacked — visitor, shopper, value — and never
 * duplicates it. Returns the row's visitor and shopper after the write.
 */
export async function upsertConversion(
  db: DB,
  row: ConversionsTable,
): Promise<{ visitorId: string | null; shopperKey: string | null }> {
  const written = await db
    .insertInto('conversions')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['domain_id', 'order_id']).doUpdateSet({
        visitor_id: (eb) => eb.fn.coalesce('conversions.visitor_id', 'excluded.visitor_id'),
        shopper_key: (eb) => eb.fn.coalesce('conversions.shopper_key', 'excluded.shopper_key'),
        value: (eb) => eb.fn.coalesce('conversions.value', 'excluded.value'),
        currency: (eb) => eb.fn.coalesce('conversions.currency', 'excluded.currency'),
      }),
    )
    .returning(['visitor_id', 'shopper_key'])
    .executeTakeFirstOrThrow();
  return { visitorId: written.visitor_id, shopperKey: written.shopper_key };
}

// ── The report's reads ───────────────────────────────────────────────────────────────────────────────

export interface ConversionRead {
  id: string;
  orderId: string;
  eventId: string;
  visitorId: string | null;
  shopperKey: string | null;
  value: string | null;
  currency: string | null;
  occurredAt: number;
}

/** The domain's conversions in [from, to), oldest first (ties by id), at most `limit`. */
export async function conversionsInRange(
  db: DB,
  orgId: string,
  domainId: string,
  range: { from: number; to: number; limit: number },
): Promise<ConversionRead[]> {
  const rows = await db
    .selectFrom('conversions')
    .select(['id', 'order_id', 'event_id', 'visitor_id', 'shopper_key', 'value', 'currency', 'occurred_at'])
    .where('org_id', '=', orgId)
    .where('domain_id', '=', domainId)
    .where('occurred_at', '>=', range.from)
    .where('occurred_at', '<', range.to)
    .orderBy('occurred_at')
    .orderBy('id')
    .limit(range.limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    orderId: r.order_id,
    eventId: r.event_id,
    visitorId: r.visitor_id,
    shopperKey: r.shopper_key,
    value: r.value,
    currency: r.currency,
    occurredAt: Number(r.occurred_at),
  }));
}

/** IN lists stay well under SQLite's and PostgreSQL's bound-parameter limits. */
const IN_CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += IN_CHUNK) out.push(items.slice(i, i + IN_CHUNK));
  return out;
}

export interface VisitorLink {
  visitorId: string;
  shopperKey: string | null;
  lastSeenAt: number;
}

/** The visitors with these cookie ids, or stitched to these shoppers (most recently seen first). */
export async function visitorLinks(
  db: DB,
  orgId: string,
  domainId: string,
  by: { visitorIds: readonly string[]; shopperKeys: readonly string[] },
): Promise<VisitorLink[]> {
  const out: VisitorLink[] = [];
  const read = async (column: 'visitor_id' | 'shopper_key', values: readonly string[]): Promise<void> => {
    for (const part of chunks([...new Set(values)])) {
      const rows = await db
        .selectFrom('visitors')
        .select(['visitor_id', 'shopper_key', 'last_seen_at'])
        .where('org_id', '=', orgId)
        .where('domain_id', '=', domainId)
        .where(column, 'in', part)
        .execute();
      for (const r of rows) {
        out.push({ visitorId: r.visitor_id, shopperKey: r.shopper_key, lastSeenAt: Number(r.last_seen_at) });
      }
    }
  };
  await read('visitor_id', by.visitorIds);
  await read('shopper_key', by.shopperKeys);
  return out.sort((a, b) => b.lastSeenAt - a.lastSeenAt);
}

export interface TouchpointRead {
  visitorId: string;
  occurredAt: number;
  channel: string;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
}

/** The touchpoints of these visitors in [from, to] (the clear columns only: the report shows no URLs). */
export async function touchpointsOf(
  db: DB,
  orgId: string,
  domainId: string,
  visitorIds: readonly string[],
  range: { from: number; to: number },
): Promise<TouchpointRead[]> {
  const out: TouchpointRead[] = [];
  for (const part of chunks([...new Set(visitorIds)])) {
    const rows = await db
      .selectFrom('touchpoints')
      .select(['visitor_id', 'occurred_at', 'channel', 'utm_source', 'utm_medium', 'utm_campaign'])
      .where('org_id', '=', orgId)
      .where('domain_id', '=', domainId)
      .where('visitor_id', 'in', part)
      .where('occurred_at', '>=', range.from)
      .where('occurred_at', '<=', range.to)
      .execute();
    for (const r of rows) {
      out.push({
        visitorId: r.visitor_id,
        occurredAt: Number(r.occurred_at),
        channel: r.channel,
        utmSource: r.utm_source,
        utmMedium: r.utm_medium,
        utmCampaign: r.utm_campaign,
      });
    }
  }
  return out;
}

/** Whether the domain has any pixel visitor (one index probe on visitors_domain_visitor). */
export async function domainHasVisitor(db: DB, domainId: string): Promise<boolean> {
  const row = await db
    .selectFrom('visitors')
    .select('id')
    .where('domain_id', '=', domainId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
