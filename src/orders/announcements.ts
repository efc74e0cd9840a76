/**
 * Telling the shop's own systems (outbound webhooks, issue 10 §4) what reconciliation finds, without anyone
 * asking: `order.unmatched` once per paid order that a destination has not received an hour after it was
 * placed (failed, skipped or never sent — not still pending), and `reconciliation.coverage_dropped` when a
 * domain's share of orders delivered everywhere over the last day falls below COVERAGE_THRESHOLD. Run by
 * the order processor's maintenance; costs one grouped query when no domain has recent orders.
 */
import type { AppDeps } from '../app-deps.js';
import {
  domainsWithRecentOrders,
  markUnmatchedAnnounced,
  swapOrderCoverage,
  unannouncedOrders,
} from '../storage/repos/orders.js';
import { emitWebhookEvent } from '../webhooks/emit.js';
import { type OrderOutcomes, reconcile } from './reconciliation.js';

/** An order gets this long to reach every destination before it counts as unmatched. */
export const UNMATCHED_GRACE_MS = 3600_000;
/** Orders older than this are not announced any more (the reconciliation still shows them). */
const LOOKBACK_MS = 7 * 24 * 3600_000;
/** Coverage window: the day before the grace period. */
const COVERAGE_WINDOW_MS = 24 * 3600_000;
/** Below this share of orders delivered to every enabled destination, coverage has "dropped". */
export const COVERAGE_THRESHOLD = 0.9;
/** Domains looked at per run (bounded work; the next run takes the rest). */
const DOMAINS_PER_RUN = 200;

type Deps = Pick<AppDeps, 'storage'>;

/** Whether every enabled destination has the order (delivered), or one still has it pending. */
function status(order: OrderOutcomes, enabled: readonly string[]): 'matched' | 'pending' | 'unmatched' {
  let pending = false;
  for (const id of enabled) {
    const outcome = order.byDestination.get(id)?.outcome ?? 'not_sent';
    if (outcome === 'pending') pending = true;
    else if (outcome !== 'delivered') return 'unmatched';
  }
  return pending ? 'pending' : 'matched';
}

export async function announceOrderOutcomes(
  deps: Deps,
  now: number,
): Promise<{ unmatched: number; dropped: number }> {
  const { db } = deps.storage;
  const until = now - UNMATCHED_GRACE_MS;
  const domains = await domainsWithRecentOrders(db, {
    from: now - LOOKBACK_MS,
    to: until,
    limit: DOMAINS_PER_RUN,
  });
  let unmatched = 0;
  let dropped = 0;
  for (const { domain_id: domainId, org_id: orgId } of domains) {
    const { orders, destinations } = await reconcile(deps, {
      orgId,
      domainId,
      from: now - LOOKBACK_MS,
      to: until,
    });
    const enabled = destinations.filter((d) => d.enabled).map((d) => d.id);
    if (enabled.length === 0) continue;
    const statuses = new Map(orders.map((o) => [o.orderPk, status(o, enabled)]));
    const open = await unannouncedOrders(
      db,
      domainId,
      orders.map((o) => o.orderPk),
    );
    for (const order of orders) {
      if (!open.has(order.orderPk) || statuses.get(order.orderPk) !== 'unmatched') continue;
      await db.transaction().execute(async (trx) => {
        if (!(await markUnmatchedAnnounced(trx, order.orderPk, now))) return;
        const missing = destinations
          .filter((d) => d.enabled && order.byDestination.get(d.id)?.outcome !== 'delivered')
          .map((d) => ({
            destination: d.type,
            outcome: order.byDestination.get(d.id)?.outcome ?? 'not_sent',
            message: order.byDestination.get(d.id)?.message ?? null,
          }));
        await emitWebhookEvent(trx, {
          orgId,
          type: 'order.unmatched',
          data: {
            domain: { id: domainId },
            orderId: order.orderId,
            orderedAt: new Date(order.orderedAt).toISOString(),
            value: order.total,
            currency: order.currency,
            reason: order.eventTime === null ? 'no_event' : 'not_delivered',
            missing,
          },
          now,
        });
        unmatched += 1;
      });
    }

    // Coverage over the last day: orders delivered to every enabled destination.
    const windowFrom = until - COVERAGE_WINDOW_MS;
    const inWindow = orders.filter((o) => o.orderedAt >= windowFrom && statuses.get(o.orderPk) !== 'pending');
    if (inWindow.length === 0) continue;
    const matched = inWindow.filter((o) => statuses.get(o.orderPk) === 'matched').length;
    const coverage = matched / inWindow.length;
    await db.transaction().execute(async (trx) => {
      const previous = await swapOrderCoverage(trx, domainId, coverage, now);
      const crossed = coverage < COVERAGE_THRESHOLD && (previous === null || previous >= COVERAGE_THRESHOLD);
      if (!crossed) return;
      const byDestination: Record<string, number> = {};
      for (const d of destinations.filter((x) => x.enabled)) {
        const delivered = inWindow.filter((o) => o.byDestination.get(d.id)?.outcome === 'delivered').length;
        byDestination[d.type] = Math.round((delivered / inWindow.length) * 1000) / 1000;
      }
      await emitWebhookEvent(trx, {
        orgId,
        type: 'reconciliation.coverage_dropped',
        data: {
          domain: { id: domainId },
          window: { from: new Date(windowFrom).toISOString(), to: new Date(until).toISOString() },
          coverage: Math.round(coverage * 1000) / 1000,
          previousCoverage: previous === null ? null : Math.round(previous * 1000) / 1000,
          threshold: COVERAGE_THRESHOLD,
          orders: inWindow.length,
          matched,
          byDestination,
        },
        now,
      });
      dropped += 1;
    });
  }
  return { unmatched, dropped };
}
