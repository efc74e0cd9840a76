/**
 * Shop orders (issue 10): the webhook secrets each shop platform signs with, the webhook inbox, the orders'
 * state, their refunds, and the lookups that join an order to the Purchase events that carried it.
 */

import type { Selectable } from 'kysely';
import type { DB, Dialect } from '../db.js';
import type { NewDelivery, NewEvent, OrderRow, ShopStoreAccessTable, ShopWebhookRow } from '../schema.js';
import { countNewDeliveries } from './delivery-counts.js';

export interface ShopWebhookSecretRow {
  domain_id: string;
  platform: string;
  org_id: string;
  secret_sealed: string;
  previous_sealed: string | null;
  previous_until: number | null;
  created_at: number;
  rotated_at: number | null;
}

export async function getShopWebhookSecret(
  db: DB,
  domainId: string,
  platform: string,
): Promise<ShopWebhookSecretRow | undefined> {
  return db
    .selectFrom('shop_webhook_secrets')
    .selectAll()
    .where('domain_id', '=', domainId)
    .where('platform', '=', platform)
    .executeTakeFirst();
}

/** Creates the secret when the domain has none for the platform; returns the row that holds. */
export async function createShopWebhookSecret(
  db: DB,
  row: Pick<ShopWebhookSecretRow, 'domain_id' | 'platform' | 'org_id' | 'secret_sealed' | 'created_at'>,
): Promise<ShopWebhookSecretRow> {
  await db
    .insertInto('shop_webhook_secrets')
    .values(row)
    .onConflict((oc) => oc.columns(['domain_id', 'platform']).doNothing())
    .execute();
  return (await getShopWebhookSecret(db, row.domain_id, row.platform))!;
}

/** A new current secret; the one it replaces keeps verifying until `previousUntil`. */
export async function rotateShopWebhookSecret(
  db: DB,
  input: { domainId: string; platform: string; secretSealed: string; previousUntil: number; now: number },
): Promise<boolean> {
  const current = await getShopWebhookSecret(db, input.domainId, input.platform);
  if (!current) return false;
  await db
    .updateTable('shop_webhook_secrets')
    .set({
      secret_sealed: input.secretSealed,
      previous_sealed: current.secret_sealed,
      previous_until: input.previousUntil,
      rotated_at: input.now,
    })
    .where('domain_id', '=', input.domainId)
    .where('platform', '=', input.platform)
    .execute();
  return true;
}

export type NewShopWebhook = Omit<ShopWebhookRow, 'attempts'>;

/** Stores a received webhook; false when the platform's delivery id was stored before (a redelivery). */
export async function insertShopWebhook(db: DB, row: NewShopWebhook): Promise<boolean> {
  const result = await db
    .insertInto('shop_webhooks')
    .values(row)
    .onConflict((oc) => oc.columns(['domain_id', 'platform', 'delivery_key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Leases due webhooks (SKIP LOCKED on PostgreSQL, like the delivery lease), oldest first. */
export async function leaseShopWebhooks(
  db: DB,
  dialect: Dialect,
  input: { owner: string; now: number; leaseMs: number; limit: number },
): Promise<ShopWebhookRow[]> {
  const { owner, now, leaseMs, limit } = input;
  const candidates = db
    .selectFrom('shop_webhooks')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
    .orderBy('next_attempt_at')
    .limit(limit);
  const update =
    dialect === 'postgres'
      ? db
          .with(
            (cte) => cte('candidates').materialized(),
            () => candidates.forUpdate().skipLocked(),
          )
          .updateTable('shop_webhooks')
          .where('id', 'in', (eb) => eb.selectFrom('candidates').select('candidates.id'))
      : db.updateTable('shop_webhooks').where('id', 'in', candidates);
  const rows = await update
    .set({ lease_owner: owner, lease_expires_at: now + leaseMs })
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
    .returningAll()
    .execute();
  // Received order: an order's webhooks are applied in the order they came.
  return rows.sort((a, b) => a.received_at - b.received_at || (a.id < b.id ? -1 : 1));
}

/** Final: processed or ignored (the body is erased), or failed after the last attempt. */
export async function finishShopWebhook(
  db: DB,
  input: {
    id: string;
    owner: string;
    status: 'processed' | 'ignored' | 'failed';
    result: string;
    now: number;
  },
): Promise<void> {
  await db
    .updateTable('shop_webhooks')
    .set((eb) => ({
      status: input.status,
      result: input.result.slice(0, 1000),
      processed_at: input.now,
      body_sealed: null,
      attempts: eb('attempts', '+', 1),
      lease_owner: null,
      lease_expires_at: null,
    }))
    .where('id', '=', input.id)
    .where('lease_owner', '=', input.owner)
    .execute();
}

/** Processing failed in a way that may pass (database busy, over quota): try again at `nextAttemptAt`. */
export async function retryShopWebhook(
  db: DB,
  input: { id: string; owner: string; result: string; nextAttemptAt: number },
): Promise<void> {
  await db
    .updateTable('shop_webhooks')
    .set((eb) => ({
      result: input.result.slice(0, 1000),
      next_attempt_at: input.nextAttemptAt,
      attempts: eb('attempts', '+', 1),
      lease_owner: null,
      lease_expires_at: null,
    }))
    .where('id', '=', input.id)
    .where('lease_owner', '=', input.owner)
    .execute();
}

export async function getShopWebhook(db: DB, orgId: string, id: string): Promise<ShopWebhookRow | undefined> {
  return db
    .selectFrom('shop_webhooks')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A domain's received webhooks, newest first (no bodies). */
export async function listShopWebhooks(
  db: DB,
  input: { orgId: string; domainId: string; limit: number; before?: number | undefined },
): Promise<Array<Omit<ShopWebhookRow, 'body_sealed'>>> {
  let query = db
    .selectFrom('shop_webhooks')
    .select([
      'id',
      'org_id',
      'domain_id',
      'platform',
      'topic',
      'delivery_key',
      'received_at',
      'status',
      'attempts',
      'next_attempt_at',
      'lease_owner',
      'lease_expires_at',
      'result',
      'processed_at',
    ])
    .where('org_id', '=', input.orgId)
    .where('domain_id', '=', input.domainId);
  if (input.before !== undefined) query = query.where('received_at', '<', input.before);
  return query.orderBy('received_at', 'desc').limit(input.limit).execute();
}

export type OrderState = Omit<
  OrderRow,
  'purchase_state' | 'snapshot_erased_at' | 'refunded_total' | 'unmatched_announced_at'
>;

export async function getOrder(db: DB, domainId: string, orderId: string): Promise<OrderRow | undefined> {
  return db
    .selectFrom('orders')
    .selectAll()
    .where('domain_id', '=', domainId)
    .where('order_id', '=', orderId)
    .executeTakeFirst();
}

/**
 * Records what a webhook says about an order. A webhook older than the state already recorded (the
 * order's own modified time) changes nothing, so a late redelivery cannot turn a paid order back to
 * pending. Returns the row as it now stands.
 */
export async function applyOrderState(db: DB, state: OrderState): Promise<OrderRow> {
  const {
    id: _id,
    first_seen_at: _first,
    org_id: _org,
    domain_id: _domain,
    order_id: _order,
    ...changes
  } = state;
  await db
    .insertInto('orders')
    .values(state)
    .onConflict((oc) =>
      oc
        .columns(['domain_id', 'order_id'])
        .doUpdateSet({
          ...changes,
          // Once paid, always paid (the money was there: a later refund or cancel does not unsend it).
          paid: (eb) => eb.case().when('excluded.paid', '=', 1).then(1).else(eb.ref('orders.paid')).end(),
          paid_at: (eb) => eb.fn.coalesce('orders.paid_at', 'excluded.paid_at'),
          snapshot_sealed: (eb) => eb.fn.coalesce('excluded.snapshot_sealed', 'orders.snapshot_sealed'),
        })
        .where('orders.modified_at', '<=', state.modified_at),
    )
    .execute();
  return (await getOrder(db, state.domain_id, state.order_id))!;
}

/** Deleted in the shop: its status says so and its personal data goes; what was sent stays sent. */
export async function markOrderDeleted(db: DB, orderPk: string, now: number): Promise<void> {
  await db
    .updateTable('orders')
    .set({
      status: 'trash',
      snapshot_sealed: null,
      snapshot_erased_at: now,
      modified_at: now,
      updated_at: now,
    })
    .where('id', '=', orderPk)
    .execute();
}

export async function setPurchaseState(
  db: DB,
  orderPk: string,
  state: 'sent' | 'plugin',
  now: number,
): Promise<void> {
  await db
    .updateTable('orders')
    .set({ purchase_state: state, updated_at: now })
    .where('id', '=', orderPk)
    .where('purchase_state', 'is', null)
    .execute();
}

/** The Purchase events stored under an event id for the domain (`purchase_<orderId>`), oldest first. */
export async function findPurchaseEvents(
  db: DB,
  domainId: string,
  eventId: string,
): Promise<Array<{ id: string; source: string }>> {
  return db
    .selectFrom('events')
    .select(['id', 'source'])
    .where('domain_id', '=', domainId)
    .where('event_id', '=', eventId)
    .where('event_name', '=', 'Purchase')
    .orderBy('received_at')
    .execute();
}

export async function refundKnown(
  db: DB,
  domainId: string,
  orderId: string,
  refundId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('order_refunds')
    .select('refund_id')
    .where('domain_id', '=', domainId)
    .where('order_id', '=', orderId)
    .where('refund_id', '=', refundId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Records a refund once it was accepted; adds it to the order's refunded total the first time only. */
export async function recordRefund(
  db: DB,
  row: {
    domain_id: string;
    order_id: string;
    refund_id: string;
    amount: number;
    refunded_at: number;
    event_id: string;
    created_at: number;
  },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('order_refunds')
      .values(row)
      .onConflict((oc) => oc.columns(['domain_id', 'order_id', 'refund_id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return;
    await trx
      .updateTable('orders')
      .set((eb) => ({ refunded_total: eb('refunded_total', '+', row.amount), updated_at: row.created_at }))
      .where('domain_id', '=', row.domain_id)
      .where('order_id', '=', row.order_id)
      .execute();
  });
}

/** Retention: order snapshots (personal data) older than `before` are erased; webhook bodies too. */
export async function eraseOrderData(
  db: DB,
  before: number,
  now: number,
): Promise<{ orders: number; webhooks: number }> {
  const orders = await db
    .updateTable('orders')
    .set({ snapshot_sealed: null, snapshot_erased_at: now })
    .where('snapshot_sealed', 'is not', null)
    .where('first_seen_at', '<', before)
    .executeTakeFirst();
  const webhooks = await db
    .updateTable('shop_webhooks')
    .set({ body_sealed: null })
    .where('body_sealed', 'is not', null)
    .where('status', '!=', 'pending')
    .where('received_at', '<', before)
    .executeTakeFirst();
  return { orders: Number(orders.numUpdatedRows), webhooks: Number(webhooks.numUpdatedRows) };
}

/** One paid order with one delivery of a Purchase that carried it (none: the delivery columns are null). */
export interface ReconciliationRow {
  order_pk: string;
  order_id: string;
  order_number: string | null;
  total: number | null;
  currency: string | null;
  ordered_at: number;
  purchase_state: string | null;
  has_snapshot: number;
  event_pk: string | null;
  event_time: number | null;
  destination_id: string | null;
  status: string | null;
  last_error: string | null;
}

/**
 * The domain's paid orders placed in [from, to), each joined to every delivery of every Purchase stored
 * under its event id (the plugin's, ours, a backfill's), oldest first; at most `limit` orders.
 */
export async function reconciliationRows(
  db: DB,
  input: { orgId: string; domainId: string; from: number; to: number; limit: number },
): Promise<ReconciliationRow[]> {
  const orders = db
    .selectFrom('orders')
    .select([
      'id',
      'order_id',
      'order_number',
      'total',
      'currency',
      'ordered_at',
      'purchase_state',
      'purchase_event_id',
      'domain_id',
      'snapshot_sealed',
    ])
    .where('org_id', '=', input.orgId)
    .where('domain_id', '=', input.domainId)
    .where('paid', '=', 1)
    .where('ordered_at', '>=', input.from)
    .where('ordered_at', '<', input.to)
    .orderBy('ordered_at')
    .limit(input.limit);
  return db
    .with('o', () => orders)
    .selectFrom('o')
    .leftJoin('events as e', (join) =>
      join
        .onRef('e.domain_id', '=', 'o.domain_id')
        .onRef('e.event_id', '=', 'o.purchase_event_id')
        .on('e.event_name', '=', 'Purchase'),
    )
    .leftJoin('deliveries as d', 'd.event_pk', 'e.id')
    .select((eb) => [
      'o.id as order_pk',
      'o.order_id',
      'o.order_number',
      'o.total',
      'o.currency',
      'o.ordered_at',
      'o.purchase_state',
      eb.case().when('o.snapshot_sealed', 'is not', null).then(1).else(0).end().as('has_snapshot'),
      'e.id as event_pk',
      'e.event_time',
      'd.destination_id',
      'd.status',
      'd.last_error',
    ])
    .orderBy('o.ordered_at')
    .orderBy('o.id')
    .execute();
}

/** The sealed snapshot of orders (for a backfill). */
export async function orderSnapshots(
  db: DB,
  domainId: string,
  orderPks: readonly string[],
): Promise<Array<{ id: string; order_id: string; snapshot_sealed: string | null }>> {
  if (orderPks.length === 0) return [];
  return db
    .selectFrom('orders')
    .select(['id', 'order_id', 'snapshot_sealed'])
    .where('domain_id', '=', domainId)
    .where('id', 'in', [...orderPks])
    .execute();
}

/**
 * A backfilled Purchase: a new event row under the order's event id, with deliveries only to the
 * destinations that never had it. Written directly, not through the ingest's dedup claim: the claim would
 * refuse it (the id was seen), and that is the point — the platforms deduplicate by the same id, and our
 * reconciliation finds every event stored under it, so a second backfill finds nothing missing.
 */
export async function insertBackfillEvent(
  db: DB,
  prepared: { event: NewEvent; deliveries: NewDelivery[] },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('events').values(prepared.event).execute();
    if (prepared.deliveries.length > 0) {
      await trx.insertInto('deliveries').values(prepared.deliveries).execute();
      await countNewDeliveries(trx, prepared.deliveries);
    }
  });
}

export type ShopStoreAccessRow = Selectable<ShopStoreAccessTable>;

export async function getShopStoreAccess(
  db: DB,
  domainId: string,
  platform: string,
): Promise<ShopStoreAccessRow | undefined> {
  return db
    .selectFrom('shop_store_access')
    .selectAll()
    .where('domain_id', '=', domainId)
    .where('platform', '=', platform)
    .executeTakeFirst();
}

export async function saveShopStoreAccess(
  db: DB,
  row: Omit<ShopStoreAccessRow, 'last_import_at' | 'last_import_result'>,
): Promise<void> {
  await db
    .insertInto('shop_store_access')
    .values({ ...row, last_import_at: null, last_import_result: null })
    .onConflict((oc) =>
      oc.columns(['domain_id', 'platform']).doUpdateSet({
        store_url: row.store_url,
        credentials_sealed: row.credentials_sealed,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

export async function recordStoreImport(
  db: DB,
  input: { domainId: string; platform: string; at: number; result: string },
): Promise<void> {
  await db
    .updateTable('shop_store_access')
    .set({ last_import_at: input.at, last_import_result: input.result.slice(0, 1000) })
    .where('domain_id', '=', input.domainId)
    .where('platform', '=', input.platform)
    .execute();
}

/** Domains with paid orders placed in [from, to) that have not all been announced as unmatched. */
export async function domainsWithRecentOrders(
  db: DB,
  input: { from: number; to: number; limit: number },
): Promise<Array<{ domain_id: string; org_id: string }>> {
  return db
    .selectFrom('orders')
    .select(['domain_id', 'org_id'])
    .where('paid', '=', 1)
    .where('ordered_at', '>=', input.from)
    .where('ordered_at', '<', input.to)
    .groupBy(['domain_id', 'org_id'])
    .limit(input.limit)
    .execute();
}

/** Of these orders, those not announced as unmatched yet. */
export async function unannouncedOrders(
  db: DB,
  domainId: string,
  orderPks: readonly string[],
): Promise<Set<string>> {
  if (orderPks.length === 0) return new Set();
  const rows = await db
    .selectFrom('orders')
    .select('id')
    .where('domain_id', '=', domainId)
    .where('id', 'in', [...orderPks])
    .where('unmatched_announced_at', 'is', null)
    .execute();
  return new Set(rows.map((r) => r.id));
}

export async function markUnmatchedAnnounced(db: DB, orderPk: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('orders')
    .set({ unmatched_announced_at: now })
    .where('id', '=', orderPk)
    .where('unmatched_announced_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Records the domain's coverage; returns the previous value (null the first time). */
export async function swapOrderCoverage(
  db: DB,
  domainId: string,
  coverage: number,
  now: number,
): Promise<number | null> {
  const before = await db
    .selectFrom('domains')
    .select('order_coverage')
    .where('id', '=', domainId)
    .executeTakeFirst();
  await db
    .updateTable('domains')
    .set({ order_coverage: coverage, order_coverage_at: now })
    .where('id', '=', domainId)
    .execute();
  return before?.order_coverage === null || before?.order_coverage === undefined
    ? null
    : Number(before.order_coverage);
}
