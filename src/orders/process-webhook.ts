/**
 * What a stored shop webhook does: the order's state is recorded (a late, older webhook changes nothing),
 * a paid order becomes its Purchase once — unless the shop plugin or another path already sent that
 * Purchase — and each refund becomes its refund event once. Events go through the one way in
 * (acceptEvents), so they are deduplicated, sealed and delivered like every other event.
 */
import type { AppDeps } from '../app-deps.js';
import { acceptEvents, EventRefusal, inboundEvents } from '../ingest/accept.js';
import type { DomainContext } from '../ingest/domain-context.js';
import { type InboundEvent, InboundEventSchema } from '../ingest/schema.js';
import { newId } from '../lib/ids.js';
import { compileValidator } from '../lib/json-schema.js';
import { getDomainById } from '../storage/repos/domains.js';
import {
  applyOrderState,
  findPurchaseEvents,
  getOrder,
  markOrderDeleted,
  recordRefund,
  refundKnown,
  setPurchaseState,
} from '../storage/repos/orders.js';
import type { Domain, OrderRow, ShopWebhookRow } from '../storage/schema.js';
import { purchaseEvent, purchaseEventId, refundEvent, refundEventId } from './order-events.js';
import { isPaid, paidStatusesOf } from './paid-statuses.js';
import type { ShopOrder, ShopPlatform, ShopRefund } from './shop-order.js';
import { readShopifyOrder, readShopifyRefund, shopifyRefundOrderId } from './shopify.js';
import { parseLossless } from './webhook-body.js';
import { readWooCommerceOrder } from './woocommerce.js';

export type ProcessDeps = Pick<
  AppDeps,
  'storage' | 'sealer' | 'clock' | 'config' | 'writer' | 'quota' | 'metrics' | 'domains'
> &
  Partial<Pick<AppDeps, 'sharedIps'>>;

export interface ProcessResult {
  status: 'processed' | 'ignored';
  /** What it did, in words (the inbox listing shows it). */
  result: string;
}

/** The AAD that binds an order's sealed snapshot to its domain and order id. */
export const snapshotAad = (domainId: string, orderId: string): string => `order:${domainId}:${orderId}`;

const validEvent = compileValidator<InboundEvent>(InboundEventSchema, { coerce: false });

/**
 * The event as the ingest schema takes it. A shop field we cannot use (an over-long name, a malformed
 * country, a landing page that is not an http(s) URL — the shopper chose it) is dropped rather than losing
 * the whole Purchase; what remains is validated again.
 */
export function conforming(event: InboundEvent): InboundEvent {
  const copy = structuredClone(event);
  for (let round = 0; round < 10 && !validEvent(copy); round++) {
    const error = validEvent.errors?.[0];
    if (error?.instancePath === '/eventSourceUrl' || error?.instancePath === '/referrerUrl') {
      delete copy[error.instancePath.slice(1) as 'eventSourceUrl' | 'referrerUrl'];
      continue;
    }
    const [, group, key] = /^\/(userData|customData)\/([^/]+)/.exec(error?.instancePath ?? '') ?? [];
    if (!group || !key) throw new Error(`the order does not make a valid event: ${error?.message ?? ''}`);
    delete (copy[group as 'userData' | 'customData'] as Record<string, unknown> | undefined)?.[key];
  }
  return copy;
}

async function contextOf(deps: ProcessDeps, domain: Domain): Promise<DomainContext | null> {
  const ctx = await deps.domains.resolve(domain.host);
  return ctx && ctx.domain.id === domain.id ? ctx : null;
}

/** Accepts one event through the one way in; 'accepted' or 'duplicate' (already stored under its id). */
async function accept(
  deps: ProcessDeps,
  ctx: DomainContext,
  platform: ShopPlatform,
  event: InboundEvent,
): Promise<'accepted' | 'duplicate'> {
  const result = await acceptEvents(deps, {
    org: { id: ctx.org.id, plan: ctx.org.plan, subscriptionStatus: ctx.org.subscription_status },
    route: `/v1/webhooks/${platform}`,
    prepare: inboundEvents(ctx, [conforming(event)], 'WEBHOOK'),
    // The shop's order feed is not the shop's traffic: its events count, its webhooks are not requests.
    countRequest: false,
    // Long enough that a webhook redelivered days later, or the plugin's late copy, is still a duplicate.
    dedupWindowMs: deps.config.orders.dataRetentionMs,
  });
  const status = result.statuses[0];
  if (status instanceof EventRefusal) throw new Error(status.message);
  return status === 'duplicate' ? 'duplicate' : 'accepted';
}

/** Sends the order's Purchase unless it was sent; says what happened. */
async function sendPurchase(
  deps: ProcessDeps,
  ctx: DomainContext,
  row: OrderRow,
  order: ShopOrder,
): Promise<string> {
  const { db } = deps.storage;
  const eventId = purchaseEventId(order.orderId);
  const stored = await findPurchaseEvents(db, row.domain_id, eventId);
  if (stored.length > 0) {
    await setPurchaseState(db, row.id, 'plugin', deps.clock.now());
    return `Purchase ${eventId} was already sent (${stored[0]!.source}); not sent again`;
  }
  const outcome = await accept(deps, ctx, order.platform, purchaseEvent(order, deps.clock.now()));
  await setPurchaseState(db, row.id, outcome === 'accepted' ? 'sent' : 'plugin', deps.clock.now());
  return outcome === 'accepted' ? `Purchase ${eventId} sent` : `Purchase ${eventId} was already sent`;
}

/** Sends each refund not sent before; says how many. */
async function sendRefunds(
  deps: ProcessDeps,
  ctx: DomainContext,
  order: ShopOrder,
  refunds: readonly ShopRefund[],
): Promise<string | null> {
  const { db } = deps.storage;
  let sent = 0;
  for (const refund of refunds) {
    if (await refundKnown(db, ctx.domain.id, order.orderId, refund.id)) continue;
    await accept(deps, ctx, order.platform, refundEvent(order, refund, deps.clock.now()));
    await recordRefund(db, {
      domain_id: ctx.domain.id,
      order_id: order.orderId,
      refund_id: refund.id,
      amount: refund.amount,
      refunded_at: refund.at,
      event_id: refundEventId(order.orderId, refund.id),
      created_at: deps.clock.now(),
    });
    sent += 1;
  }
  return sent === 0 ? null : `${sent} refund${sent === 1 ? '' : 's'} sent`;
}

/** Records the order and sends what its state calls for. */
async function applyOrder(
  deps: ProcessDeps,
  ctx: DomainContext,
  domain: Domain,
  order: ShopOrder,
): Promise<ProcessResult> {
  const { db } = deps.storage;
  const now = deps.clock.now();
  const paid = isPaid(order, paidStatusesOf(domain.order_paid_statuses));
  const existing = await getOrder(db, domain.id, order.orderId);
  const row = await applyOrderState(db, {
    id: existing?.id ?? newId('ord', now),
    org_id: domain.org_id,
    domain_id: domain.id,
    platform: order.platform,
    order_id: order.orderId,
    order_number: order.orderNumber ?? null,
    status: order.status,
    paid: paid ? 1 : 0,
    currency: order.currency ?? null,
    total: order.total ?? null,
    ordered_at: order.orderedAt,
    paid_at: paid ? (order.paidAt ?? now) : null,
    modified_at: order.modifiedAt,
    first_seen_at: now,
    updated_at: now,
    purchase_event_id: purchaseEventId(order.orderId),
    // Kept (sealed) for a backfill to a destination that missed the Purchase, until the retention ends.
    snapshot_sealed: paid
      ? deps.sealer.seal(purchaseEvent(order, now), snapshotAad(domain.id, order.orderId))
      : null,
  });
  if (order.test) return { status: 'ignored', result: `test order ${order.orderId}: recorded, not sent` };
  if (row.paid !== 1) {
    return {
      status: 'processed',
      result: `order ${order.orderId} is ${order.status}: not paid, nothing sent`,
    };
  }
  const done: string[] = [];
  if (row.purchase_state === null) done.push(await sendPurchase(deps, ctx, row, order));
  const refunds = await sendRefunds(deps, ctx, order, order.refunds);
  if (refunds) done.push(refunds);
  return {
    status: 'processed',
    result: done.length > 0 ? done.join('; ') : `order ${order.orderId}: nothing new to send`,
  };
}

/** Shopify's `refunds/create`: the refund of an order we know, with the buyer's data from its snapshot. */
async function applyShopifyRefund(
  deps: ProcessDeps,
  ctx: DomainContext,
  body: unknown,
): Promise<ProcessResult> {
  const orderId = shopifyRefundOrderId(body);
  const refund = readShopifyRefund(body, deps.clock.now());
  if (orderId === undefined || refund === null) {
    return { status: 'ignored', result: 'refund without an order id or a refunded amount' };
  }
  const row = await getOrder(deps.storage.db, ctx.domain.id, orderId);
  if (row?.paid !== 1) {
    // Shopify sends orders/updated with the refund too; the order's own webhook will carry it.
    return { status: 'ignored', result: `refund of order ${orderId}, which is not known as paid` };
  }
  const snapshot =
    row.snapshot_sealed === null
      ? null
      : deps.sealer.open<InboundEvent>(row.snapshot_sealed, snapshotAad(ctx.domain.id, orderId));
  const order: ShopOrder = {
    platform: 'shopify',
    orderId,
    status: row.status,
    cancelled: false,
    test: false,
    currency: row.currency ?? undefined,
    orderedAt: row.ordered_at,
    modifiedAt: row.modified_at,
    userData: (snapshot?.userData ?? {}) as ShopOrder['userData'],
    contents: [],
    refunds: [refund],
  };
  const sent = await sendRefunds(deps, ctx, order, [refund]);
  return { status: 'processed', result: sent ?? `refund ${refund.id} of order ${orderId} was already sent` };
}

/** Processes one inbox row (its body unsealed here). Throws when it should be tried again later. */
export async function processShopWebhook(deps: ProcessDeps, webhook: ShopWebhookRow): Promise<ProcessResult> {
  if (webhook.body_sealed === null) return { status: 'ignored', result: 'no body kept' };
  const domain = await getDomainById(deps.storage.db, webhook.domain_id);
  if (!domain || domain.status === 'deleted') return { status: 'ignored', result: 'the domain was deleted' };
  if (domain.status === 'disabled') return { status: 'ignored', result: 'the domain is disabled' };
  const ctx = await contextOf(deps, domain);
  if (!ctx) return { status: 'ignored', result: 'the domain takes no events' };
  const body = parseLossless(deps.sealer.open<string>(webhook.body_sealed, webhook.id));
  const platform = webhook.platform as ShopPlatform;

  if (platform === 'shopify' && webhook.topic === 'refunds/create')
    return applyShopifyRefund(deps, ctx, body);
  if (platform === 'woocommerce' && webhook.topic === 'order.deleted') {
    // Only `{"id": N}`: nothing is sent (a Purchase already sent stays sent); the state says it is gone.
    const order = readWooCommerceOrder(body);
    const row = order ? await getOrder(deps.storage.db, domain.id, order.orderId) : undefined;
    if (!row) return { status: 'ignored', result: 'deleted order unknown' };
    await markOrderDeleted(deps.storage.db, row.id, deps.clock.now());
    return { status: 'processed', result: `order ${row.order_id} deleted in the shop` };
  }
  const order = platform === 'shopify' ? readShopifyOrder(body) : readWooCommerceOrder(body);
  if (!order) return { status: 'ignored', result: 'the body is not an order' };
  // The domain row read just now, not the ingest's cached copy: a paid-status change applies at once.
  return applyOrder(deps, ctx, domain, order);
}
