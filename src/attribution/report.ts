/**
 * The attribution report of one domain over [from, to) (orders by their time): per channel, orders and
 * revenue as first click and as last click, and the orders with their first and last touchpoint. Shown by
 * `GET /v1/domains/:id/attribution`, `GET /api/v1/attribution` (attribution:read) and
 * `tagbridge attribution report`. No landing URLs or click id values: those are personal data and stay
 * sealed; the report names channels, UTM source/medium/campaign and times.
 */
import { type Static, Type } from 'typebox';
import { ApiError } from '../errors.js';
import { DAY_MS } from '../lib/clock.js';
import { decodePageCursor, encodePageCursor } from '../lib/page-cursor.js';
import type { DB } from '../storage/db.js';
import {
  type ConversionRead,
  conversionsInRange,
  touchpointsOf,
  visitorLinks,
} from '../storage/repos/attribution.js';
import {
  type AttributedOrder,
  attributeOrder,
  ChannelTotals,
  indexVisitors,
  shopperKeysOf,
  type TouchInput,
} from './attribute.js';

export const MAX_RANGE_DAYS = 92;
export const MAX_WINDOW_DAYS = 90;
/** Orders one report reads for its totals: a bound on time and memory; a larger shop narrows the range. */
export const MAX_ORDERS = 20_000;
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
/** Orders attributed per round of reads (visitors, then touchpoints). */
const BATCH = 500;

// ── Request ─────────────────────────────────────────────────────────────────────────────────────────

export const AttributionQuerySchema = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        description: 'Orders from: ISO date or date-time with offset (inclusive). Default: 7 days ago.',
      }),
    ),
    to: Type.Optional(
      Type.String({ description: 'ISO date (through its end) or date-time (exclusive). Default: now.' }),
    ),
    window: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_WINDOW_DAYS,
        description:
          'Look-back window in days: touchpoints up to this long before an order count for it. Default: ATTRIBUTION_WINDOW_DAYS.',
      }),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_LIMIT,
        description: `Orders listed per page (default ${DEFAULT_LIMIT}); the totals always cover the whole range.`,
      }),
    ),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: 'The previous page’s nextCursor, unchanged.' }),
    ),
  },
  { additionalProperties: false },
);
export type AttributionQuery = Static<typeof AttributionQuerySchema>;

export interface ReportInput {
  orgId: string;
  domainId: string;
  from: number;
  to: number;
  windowDays: number;
  limit: number;
  /** Position after which orders are listed (from a nextCursor). */
  after: OrderPosition | null;
}

export interface OrderPosition {
  occurredAt: number;
  id: string;
}

export function encodeCursor(position: OrderPosition): string {
  return encodePageCursor({ at: position.occurredAt, id: position.id });
}

export function decodeCursor(value: string): OrderPosition {
  const position = decodePageCursor(value, 'cnv');
  if (!position) {
    throw new ApiError('validation_failed', 'cursor is not valid: pass nextCursor unchanged', {
      field: 'cursor',
    });
  }
  return { occurredAt: position.at, id: position.id };
}

/**
 * A request's parameters checked: `from` before `to`, a range of at most MAX_RANGE_DAYS, a window of 1 to
 * MAX_WINDOW_DAYS. `parseBound` turns the ISO text into ms (the public API's rule, shared by all reports).
 */
export function reportInput(
  scope: { orgId: string; domainId: string; now: number; defaultWindowDays: number },
  query: AttributionQuery,
  parseBound: (value: string, field: 'from' | 'to') => number,
): ReportInput {
  const to = query.to !== undefined ? parseBound(query.to, 'to') : scope.now;
  const from = query.from !== undefined ? parseBound(query.from, 'from') : to - 7 * DAY_MS;
  if (!(from < to)) throw new ApiError('validation_failed', 'from must be before to', { field: 'from' });
  if (to - from > MAX_RANGE_DAYS * DAY_MS) {
    throw new ApiError('validation_failed', `an attribution range is at most ${MAX_RANGE_DAYS} days`, {
      field: 'from',
    });
  }
  const windowDays = query.window ?? Math.min(scope.defaultWindowDays, MAX_WINDOW_DAYS);
  if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > MAX_WINDOW_DAYS) {
    throw new ApiError('validation_failed', `window must be 1 to ${MAX_WINDOW_DAYS} days`, {
      field: 'window',
    });
  }
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new ApiError('validation_failed', `limit must be 1 to ${MAX_LIMIT}`, { field: 'limit' });
  }
  return {
    orgId: scope.orgId,
    domainId: scope.domainId,
    from,
    to,
    windowDays,
    limit,
    after: query.cursor !== undefined ? decodeCursor(query.cursor) : null,
  };
}

// ── Response ────────────────────────────────────────────────────────────────────────────────────────

const RevenueSchema = Type.Array(
  Type.Object({
    currency: Type.Union([Type.String(), Type.Null()], { description: 'ISO 4217; null when not given.' }),
    value: Type.Number(),
  }),
  { description: 'Revenue per currency (orders without a value are counted, not summed).' },
);
const TallySchema = Type.Object({ orders: Type.Integer(), revenue: RevenueSchema });

const TouchSchema = Type.Object({
  channel: Type.String({
    description: 'meta | google_ads | microsoft | tiktok | pinterest | snapchat | reddit | utm | referral',
  }),
  utmSource: Type.Union([Type.String(), Type.Null()], {
    description: 'utm_source; for a referral, the referring host.',
  }),
  utmMedium: Type.Union([Type.String(), Type.Null()]),
  utmCampaign: Type.Union([Type.String(), Type.Null()]),
  occurredAt: Type.String({ format: 'date-time' }),
});

export const AttributionReportSchema = Type.Object({
  domainId: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  windowDays: Type.Integer(),
  totals: Type.Object(
    { ...TallySchema.properties, unattributed: TallySchema },
    { description: 'Every order in the range; `unattributed`: those with no touchpoint in the window.' },
  ),
  channels: Type.Array(
    Type.Object({
      channel: Type.String(),
      firstClick: TallySchema,
      lastClick: TallySchema,
    }),
    { description: 'Per channel: the orders whose first touchpoint, and whose last, it was.' },
  ),
  truncated: Type.Boolean({
    description: `More than ${MAX_ORDERS} orders in the range: the totals cover the oldest ${MAX_ORDERS}.`,
  }),
  orders: Type.Array(
    Type.Object({
      orderId: Type.String(),
      eventId: Type.String(),
      value: Type.Union([Type.Number(), Type.Null()]),
      currency: Type.Union([Type.String(), Type.Null()]),
      occurredAt: Type.String({ format: 'date-time' }),
      touchpoints: Type.Integer({ description: 'Touchpoints in the window (all the shopper’s visitors).' }),
      firstClick: Type.Union([TouchSchema, Type.Null()]),
      lastClick: Type.Union([TouchSchema, Type.Null()]),
    }),
    { description: 'Orders oldest first, a page of `limit` after `cursor`.' },
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next page.',
  }),
});
export type AttributionReport = Static<typeof AttributionReportSchema>;

const iso = (ms: number): string => new Date(ms).toISOString();

function touchView(touch: TouchInput | null): AttributionReport['orders'][number]['firstClick'] {
  if (!touch) return null;
  return {
    channel: touch.channel,
    utmSource: touch.utmSource,
    utmMedium: touch.utmMedium,
    utmCampaign: touch.utmCampaign,
    occurredAt: iso(touch.occurredAt),
  };
}

function orderView(a: AttributedOrder): AttributionReport['orders'][number] {
  const value = a.order.value === null ? null : Number(a.order.value);
  return {
    orderId: a.order.orderId,
    eventId: a.order.eventId,
    value: value !== null && Number.isFinite(value) ? value : null,
    currency: a.order.currency,
    occurredAt: iso(a.order.occurredAt),
    touchpoints: a.touches.length,
    firstClick: touchView(a.first),
    lastClick: touchView(a.last),
  };
}

/** One batch of orders attributed: three indexed reads (visitors by id, by shopper, their touchpoints). */
async function attributeBatch(
  db: DB,
  input: ReportInput,
  batch: readonly ConversionRead[],
): Promise<AttributedOrder<ConversionRead>[]> {
  const windowMs = input.windowDays * DAY_MS;
  const own = await visitorLinks(db, input.orgId, input.domainId, {
    visitorIds: batch.flatMap((c) => (c.visitorId === null ? [] : [c.visitorId])),
    shopperKeys: [],
  });
  const firstIndex = indexVisitors(own);
  const keys = new Set<string>();
  for (const c of batch) for (const k of shopperKeysOf(c, firstIndex)) keys.add(k);
  const stitched = await visitorLinks(db, input.orgId, input.domainId, {
    visitorIds: [],
    shopperKeys: [...keys],
  });
  const index = indexVisitors([...own, ...stitched]);
  const visitors = new Set<string>();
  for (const c of batch) {
    if (c.visitorId !== null) visitors.add(c.visitorId);
    for (const k of shopperKeysOf(c, index)) for (const v of index.byShopper.get(k) ?? []) visitors.add(v);
  }
  const first = batch[0]!.occurredAt;
  const last = batch.at(-1)!.occurredAt;
  const touches = await touchpointsOf(db, input.orgId, input.domainId, [...visitors], {
    from: first - windowMs,
    to: last,
  });
  const byVisitor = new Map<string, TouchInput[]>();
  for (const t of touches) {
    const list = byVisitor.get(t.visitorId) ?? [];
    list.push(t);
    byVisitor.set(t.visitorId, list);
  }
  return batch.map((c) => attributeOrder(c, index, byVisitor, windowMs));
}

const isAfter = (c: ConversionRead, p: OrderPosition): boolean =>
  c.occurredAt > p.occurredAt || (c.occurredAt === p.occurredAt && c.id > p.id);

export async function attributionReport(db: DB, input: ReportInput): Promise<AttributionReport> {
  // One read of up to MAX_ORDERS + 1 rows (the +1 says "truncated"); then attribution batch by batch.
  const read = await conversionsInRange(db, input.orgId, input.domainId, {
    from: input.from,
    to: input.to,
    limit: MAX_ORDERS + 1,
  });
  const truncated = read.length > MAX_ORDERS;
  const conversions = truncated ? read.slice(0, MAX_ORDERS) : read;
  const totals = new ChannelTotals();
  const listed: AttributionReport['orders'] = [];
  let lastListed: ConversionRead | null = null;
  let more = false;
  for (let i = 0; i < conversions.length; i += BATCH) {
    const batch = conversions.slice(i, i + BATCH);
    for (const attributed of await attributeBatch(db, input, batch)) {
      totals.add(attributed);
      const c = attributed.order;
      if (input.after && !isAfter(c, input.after)) continue;
      if (listed.length < input.limit) {
        listed.push(orderView(attributed));
        lastListed = c;
      } else {
        more = true;
      }
    }
  }
  return {
    domainId: input.domainId,
    from: iso(input.from),
    to: iso(input.to),
    windowDays: input.windowDays,
    totals: { ...totals.all.toJSON(), unattributed: totals.unattributed.toJSON() },
    channels: totals.list(),
    truncated,
    orders: listed,
    nextCursor:
      more && lastListed ? encodeCursor({ occurredAt: lastListed.occurredAt, id: lastListed.id }) : null,
  };
}
