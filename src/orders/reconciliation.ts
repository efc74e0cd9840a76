/**
 * Reconciliation: every paid order the shop told us about, against every destination of its domain —
 * delivered, pending, failed (with the platform's message), skipped (with the reason: consent, missing
 * identifiers, too old…), or not sent at all — with coverage in % of orders and of revenue. `GET
 * /v1/domains/:id/reconciliation`, `GET /api/v1/reconciliation` (reconciliation:read) and `tagbridge
 * reconcile`.
 */
import { type Static, Type } from 'typebox';
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import { listDomainDestinations } from '../storage/repos/destinations.js';
import { getDomain } from '../storage/repos/domains.js';
import { type ReconciliationRow, reconciliationRows } from '../storage/repos/orders.js';

/** Orders read per report: a bound on memory; a shop with more in the range narrows the range. */
export const MAX_ORDERS = 20_000;
/** Orders listed with what is missing, per report. */
const MAX_LISTED = 100;
export const MAX_RANGE_MS = 92 * 24 * 3600_000;

export type Outcome = 'delivered' | 'pending' | 'failed' | 'skipped' | 'not_sent';

/** A delivery's status as an outcome; several Purchases of one order: the best one counts. */
const RANK: Record<Outcome, number> = { delivered: 4, pending: 3, failed: 2, skipped: 1, not_sent: 0 };
function outcomeOf(status: string | null): Outcome {
  if (status === 'delivered') return 'delivered';
  if (status === 'pending') return 'pending';
  if (status === 'failed' || status === 'dead') return 'failed';
  if (status === 'skipped') return 'skipped';
  return 'not_sent';
}

const Money = Type.Object({
  currency: Type.Union([Type.String(), Type.Null()]),
  total: Type.Number(),
  delivered: Type.Number(),
  coverage: Type.Number({ description: 'Delivered revenue in % of the revenue of paid orders.' }),
});

export const ReconciliationDestinationSchema = Type.Object({
  destination: Type.String({ description: 'The destination type (meta, tiktok, …).' }),
  destinationId: Type.String(),
  enabled: Type.Boolean(),
  orders: Type.Integer({ description: 'Paid orders in the range.' }),
  delivered: Type.Integer(),
  pending: Type.Integer(),
  failed: Type.Integer(),
  skipped: Type.Integer(),
  notSent: Type.Integer(),
  coverage: Type.Number({ description: 'Delivered orders in % of paid orders (one decimal).' }),
  revenue: Money,
  reasons: Type.Array(
    Type.Object({
      outcome: Type.Union([Type.Literal('failed'), Type.Literal('skipped'), Type.Literal('not_sent')]),
      message: Type.String(),
      orders: Type.Integer(),
    }),
    { description: 'Why orders did not arrive, most frequent first.' },
  ),
});

export const ReconciliationReportSchema = Type.Object({
  domainId: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  orders: Type.Integer({ description: 'Paid orders placed in the range.' }),
  truncated: Type.Boolean({ description: `More than ${MAX_ORDERS} orders: only the oldest were read.` }),
  revenue: Type.Object({ currency: Type.Union([Type.String(), Type.Null()]), total: Type.Number() }),
  destinations: Type.Array(ReconciliationDestinationSchema),
  unmatched: Type.Array(
    Type.Object({
      orderId: Type.String(),
      orderNumber: Type.Union([Type.String(), Type.Null()]),
      orderedAt: Type.String({ format: 'date-time' }),
      total: Type.Union([Type.Number(), Type.Null()]),
      currency: Type.Union([Type.String(), Type.Null()]),
      missing: Type.Array(
        Type.Object({
          destination: Type.String(),
          outcome: Type.String(),
          message: Type.Union([Type.String(), Type.Null()]),
        }),
      ),
    }),
    { description: `Orders some destination has not received (at most ${MAX_LISTED}, oldest first).` },
  ),
});
export type ReconciliationReport = Static<typeof ReconciliationReportSchema>;

/** Per order and destination: the best outcome and its message. */
export interface OrderOutcomes {
  orderPk: string;
  orderId: string;
  orderNumber: string | null;
  orderedAt: number;
  total: number | null;
  currency: string | null;
  hasSnapshot: boolean;
  /** Event time of a stored Purchase (seconds), when one exists. */
  eventTime: number | null;
  byDestination: Map<string, { outcome: Outcome; message: string | null }>;
}

/** Groups the joined rows per order. */
export function ordersOf(rows: readonly ReconciliationRow[]): OrderOutcomes[] {
  const orders = new Map<string, OrderOutcomes>();
  for (const row of rows) {
    let order = orders.get(row.order_pk);
    if (!order) {
      order = {
        orderPk: row.order_pk,
        orderId: row.order_id,
        orderNumber: row.order_number,
        orderedAt: Number(row.ordered_at),
        total: row.total === null ? null : Number(row.total),
        currency: row.currency,
        hasSnapshot: Number(row.has_snapshot) === 1,
        eventTime: row.event_time === null ? null : Number(row.event_time),
        byDestination: new Map(),
      };
      orders.set(row.order_pk, order);
    }
    if (row.destination_id === null) continue;
    const outcome = outcomeOf(row.status);
    const known = order.byDestination.get(row.destination_id);
    if (!known || RANK[outcome] > RANK[known.outcome]) {
      order.byDestination.set(row.destination_id, { outcome, message: row.last_error });
    }
  }
  return [...orders.values()];
}

const percent = (part: number, whole: number): number =>
  whole === 0 ? 100 : Math.round((part / whole) * 1000) / 10;
const cents = (n: number): number => Math.round(n * 100) / 100;

/** The currency most orders are in: revenue is summed in it (orders in others are counted, not summed). */
function mainCurrency(orders: readonly OrderOutcomes[]): string | null {
  const counts = new Map<string, number>();
  for (const o of orders) if (o.currency) counts.set(o.currency, (counts.get(o.currency) ?? 0) + 1);
  let best: string | null = null;
  for (const [currency, n] of counts) if (best === null || n > counts.get(best)!) best = currency;
  return best;
}

/** A range `from`/`to` (epoch ms) checked: `from` before `to`, at most 92 days. */
export function checkRange(from: number, to: number): void {
  if (!(from < to)) throw new ApiError('validation_failed', 'from must be before to', { field: 'from' });
  if (to - from > MAX_RANGE_MS) {
    throw new ApiError('validation_failed', 'a reconciliation range is at most 92 days', { field: 'from' });
  }
}

export interface ReconcileInput {
  orgId: string;
  domainId: string;
  from: number;
  to: number;
}

/** The report; `not_found` for a domain the org does not have. */
export async function reconcile(
  deps: Pick<AppDeps, 'storage'>,
  input: ReconcileInput,
): Promise<{
  report: ReconciliationReport;
  orders: OrderOutcomes[];
  destinations: Array<{ id: string; type: string; enabled: boolean }>;
}> {
  checkRange(input.from, input.to);
  const { db } = deps.storage;
  const domain = await getDomain(db, input.orgId, input.domainId);
  if (!domain) throw new ApiError('not_found', `No domain ${input.domainId}`, { id: input.domainId });
  const destinations = (await listDomainDestinations(db, input.orgId, domain.id)).map((d) => ({
    id: d.id,
    type: d.type,
    enabled: d.enabled === 1,
  }));
  const rows = await reconciliationRows(db, { ...input, domainId: domain.id, limit: MAX_ORDERS + 1 });
  let orders = ordersOf(rows);
  const truncated = orders.length > MAX_ORDERS;
  if (truncated) orders = orders.slice(0, MAX_ORDERS);
  const currency = mainCurrency(orders);
  const inMain = (o: OrderOutcomes) => o.currency === currency && o.total !== null;
  const revenueTotal = cents(orders.filter(inMain).reduce((sum, o) => sum + o.total!, 0));

  const perDestination = destinations.map((dest) => {
    const counts: Record<Outcome, number> = { delivered: 0, pending: 0, failed: 0, skipped: 0, not_sent: 0 };
    const reasons = new Map<
      string,
      { outcome: 'failed' | 'skipped' | 'not_sent'; message: string; orders: number }
    >();
    let deliveredRevenue = 0;
    for (const order of orders) {
      const got = order.byDestination.get(dest.id) ?? { outcome: 'not_sent' as const, message: null };
      counts[got.outcome] += 1;
      if (got.outcome === 'delivered' && inMain(order)) deliveredRevenue += order.total!;
      if (got.outcome === 'failed' || got.outcome === 'skipped' || got.outcome === 'not_sent') {
        const message =
          got.message ??
          (got.outcome === 'not_sent'
            ? order.eventTime === null
              ? 'no Purchase was sent for this order'
              : 'the destination did not exist or was disabled when the Purchase was sent'
            : 'no message');
        const key = `${got.outcome}\u0000${message}`;
        const reason = reasons.get(key) ?? { outcome: got.outcome, message, orders: 0 };
        reason.orders += 1;
        reasons.set(key, reason);
      }
    }
    return {
      destination: dest.type,
      destinationId: dest.id,
      enabled: dest.enabled,
      orders: orders.length,
      delivered: counts.delivered,
      pending: counts.pending,
      failed: counts.failed,
      skipped: counts.skipped,
      notSent: counts.not_sent,
      coverage: percent(counts.delivered, orders.length),
      revenue: {
        currency,
        total: revenueTotal,
        delivered: cents(deliveredRevenue),
        coverage: percent(deliveredRevenue, revenueTotal),
      },
      reasons: [...reasons.values()].sort((a, b) => b.orders - a.orders).slice(0, 10),
    };
  });

  const unmatched = orders
    .filter((o) => destinations.some((d) => o.byDestination.get(d.id)?.outcome !== 'delivered'))
    .slice(0, MAX_LISTED)
    .map((o) => ({
      orderId: o.orderId,
      orderNumber: o.orderNumber,
      orderedAt: new Date(o.orderedAt).toISOString(),
      total: o.total,
      currency: o.currency,
      missing: destinations.flatMap((d) => {
        const got = o.byDestination.get(d.id);
        if (got?.outcome === 'delivered') return [];
        return [{ destination: d.type, outcome: got?.outcome ?? 'not_sent', message: got?.message ?? null }];
      }),
    }));

  return {
    report: {
      domainId: domain.id,
      from: new Date(input.from).toISOString(),
      to: new Date(input.to).toISOString(),
      orders: orders.length,
      truncated,
      revenue: { currency, total: revenueTotal },
      destinations: perDestination,
      unmatched,
    },
    orders,
    destinations,
  };
}
