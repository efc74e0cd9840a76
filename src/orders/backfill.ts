/**
 * Backfill: sends each paid order's Purchase to the enabled destinations that never had it — a destination
 * added later, a webhook that arrived while the domain was disabled — as long as the order's data is still
 * kept (ORDER_DATA_RETENTION_DAYS) and the platform still takes an event that old. Idempotent: what it
 * sends is found by the next reconciliation, so running it twice sends nothing the second time.
 */
import type { AppDeps } from '../app-deps.js';
import { getDestination, isDestinationType } from '../destinations/registry.js';
import type { DestinationType } from '../destinations/types.js';
import { ApiError } from '../errors.js';
import { prepareInboundEvent } from '../ingest/prepare.js';
import type { InboundEvent } from '../ingest/schema.js';
import { sealPayload } from '../ingest/sealed-payload.js';
import { insertBackfillEvent, orderSnapshots } from '../storage/repos/orders.js';
import { getOrg } from '../storage/repos/orgs.js';
import { requireLiveDomain } from './live-domain.js';
import { conforming, snapshotAad } from './process-webhook.js';
import { type ReconcileInput, reconcile } from './reconciliation.js';

export interface BackfillInput extends ReconcileInput {
  /** Only count what would be sent. */
  dryRun?: boolean | undefined;
  /** Called after each order (the CLI's progress bar). */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface BackfillResult {
  /** Orders some enabled destination never had. */
  missing: number;
  /** Orders sent (or, in a dry run, that would be). */
  sent: number;
  /** Deliveries created: one per order and destination. */
  deliveries: number;
  /** What could not be sent, by destination and reason. */
  notSendable: Array<{ destination: string; reason: string; orders: number }>;
  dryRun: boolean;
}

export async function backfillOrders(
  deps: Pick<AppDeps, 'storage' | 'sealer' | 'clock' | 'config'> & Partial<Pick<AppDeps, 'wakeDelivery'>>,
  input: BackfillInput,
): Promise<BackfillResult> {
  const { db } = deps.storage;
  const domain = await requireLiveDomain(db, input.orgId, input.domainId);
  const org = await getOrg(db, input.orgId);
  if (!org) throw new ApiError('not_found', `No domain ${input.domainId}`, { id: input.domainId });
  const { orders, destinations } = await reconcile(deps, input);
  const enabled = destinations.filter(
    (d): d is { id: string; type: DestinationType; enabled: boolean } =>
      d.enabled && isDestinationType(d.type),
  );
  const now = deps.clock.now();
  const notSendable = new Map<string, { destination: string; reason: string; orders: number }>();
  const refuse = (destination: string, reason: string) => {
    const key = `${destination}\u0000${reason}`;
    const entry = notSendable.get(key) ?? { destination, reason, orders: 0 };
    entry.orders += 1;
    notSendable.set(key, entry);
  };

  const work: Array<{ orderPk: string; to: typeof enabled }> = [];
  let missing = 0;
  for (const order of orders) {
    const absent = enabled.filter((d) => !order.byDestination.has(d.id));
    if (absent.length === 0) continue;
    missing += 1;
    if (!order.hasSnapshot) {
      for (const d of absent)
        refuse(d.type, 'the order’s data is no longer kept (ORDER_DATA_RETENTION_DAYS)');
      continue;
    }
    const eventTime = order.eventTime ?? Math.floor(order.orderedAt / 1000);
    const to = absent.filter((d) => {
      const tooOld = eventTime * 1000 < now - getDestination(d.type).limits.maxEventAgeSeconds * 1000;
      if (tooOld) refuse(d.type, 'older than the platform takes');
      return !tooOld;
    });
    if (to.length > 0) work.push({ orderPk: order.orderPk, to });
  }

  let deliveries = 0;
  if (!input.dryRun) {
    const snapshots = new Map(
      (
        await orderSnapshots(
          db,
          domain.id,
          work.map((w) => w.orderPk),
        )
      ).map((row) => [row.id, row]),
    );
    let done = 0;
    for (const item of work) {
      const row = snapshots.get(item.orderPk);
      if (row?.snapshot_sealed) {
        const event = deps.sealer.open<InboundEvent>(
          row.snapshot_sealed,
          snapshotAad(domain.id, row.order_id),
        );
        const prepared = prepareInboundEvent(
          { domain, org, destinations: item.to.map((d) => ({ id: d.id, type: d.type })) },
          conforming(event),
          'WEBHOOK',
          { now: deps.clock.now(), retryHorizonMs: deps.config.delivery.retryHorizonMs },
        );
        // Written on its own, outside the group commit: sealed on its own too (no group to join).
        prepared.event.pii_sealed = sealPayload(deps.sealer, prepared.payload, prepared.event.id);
        await insertBackfillEvent(db, prepared);
        deliveries += prepared.deliveries.length;
      }
      done += 1;
      input.onProgress?.(done, work.length);
    }
    if (deliveries > 0) deps.wakeDelivery?.();
  } else {
    deliveries = work.reduce((n, w) => n + w.to.length, 0);
  }
  return {
    missing,
    sent: work.length,
    deliveries,
    notSendable: [...notSendable.values()].sort((a, b) => b.orders - a.orders),
    dryRun: input.dryRun === true,
  };
}
