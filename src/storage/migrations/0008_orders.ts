import { type Kysely, sql } from 'kysely';

/**
 * Orders as the source of truth (issue 10 §1–3).
 * - `shop_webhook_secrets`: the secret each shop platform signs its webhooks with, per domain, sealed; the
 *   previous one keeps verifying until `previous_until` (rotation without losing a webhook in flight).
 * - `shop_webhooks`: the inbox. A webhook is written here (its body sealed: orders carry personal data)
 *   before it is answered, then processed from here; the body is erased once processed. A platform's
 *   delivery id is unique per domain, so a redelivered webhook is recognised.
 * - `orders`: what the shop's own orders say (status, paid, value), and whether the order's Purchase was
 *   sent (by us, or already by the plugin). The order's event is kept sealed for a backfill to a
 *   destination that missed it, and erased after ORDER_DATA_RETENTION_DAYS.
 * - `order_refunds`: each refund once, with the event that carried it.
 * - `shop_store_access`: read access to the store's order API (WooCommerce REST keys, a Shopify access
 *   token), sealed, so recent orders that never arrived as webhooks can be imported.
 * - `events_purchase_id`: Purchases by their event id, so an order finds the Purchase the plugin sent
 *   (`purchase_<orderId>`) and reconciliation finds each order's deliveries. Partial: only Purchases,
 *   a small part of all events.
 * - `domains.order_paid_statuses`: which order statuses count as paid, per platform (JSON; null: defaults).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('shop_webhook_secrets')
    .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id'))
    // woocommerce | shopify
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('previous_sealed', 'text')
    .addColumn('previous_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('rotated_at', 'bigint')
    .addPrimaryKeyConstraint('shop_webhook_secrets_pk', ['domain_id', 'platform'])
    .execute();

  await db.schema
    .createTable('shop_webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    // X-Shopify-Webhook-Id / X-WC-Webhook-Delivery-ID: the same delivery sent again has the same one.
    .addColumn('delivery_key', 'text')
    .addColumn('body_sealed', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    // pending | processed | ignored | failed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    // What processing made of it ("Purchase sent", "not paid: pending", the error).
    .addColumn('result', 'text')
    .addColumn('processed_at', 'bigint')
    .addUniqueConstraint('shop_webhooks_delivery', ['domain_id', 'platform', 'delivery_key'])
    .execute();
  await sql`create index shop_webhooks_due on shop_webhooks (next_attempt_at) where status = 'pending'`.execute(
    db,
  );
  await db.schema
    .createIndex('shop_webhooks_domain_received')
    .on('shop_webhooks')
    .columns(['domain_id', 'received_at'])
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    // The shop's order id, as text (Shopify's exceed 2^53).
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('order_number', 'text')
    // The platform's own status (processing, paid, refunded…).
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('paid', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text')
    .addColumn('total', 'double precision')
    .addColumn('refunded_total', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('ordered_at', 'bigint', (c) => c.notNull())
    .addColumn('paid_at', 'bigint')
    // The order's own last-modified time: an older webhook arriving late does not overwrite a newer state.
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // null: not sent; sent (by Tagbridge from the order); plugin (the plugin or another path had sent it)
    .addColumn('purchase_state', 'text')
    .addColumn('purchase_event_id', 'text', (c) => c.notNull())
    .addColumn('snapshot_sealed', 'text')
    .addColumn('snapshot_erased_at', 'bigint')
    // When `order.unmatched` was announced for it (once).
    .addColumn('unmatched_announced_at', 'bigint')
    .addUniqueConstraint('orders_domain_order', ['domain_id', 'order_id'])
    .execute();
  await db.schema
    .createIndex('orders_domain_ordered')
    .on('orders')
    .columns(['domain_id', 'ordered_at'])
    .execute();
  await sql`create index orders_snapshot_kept on orders (first_seen_at) where snapshot_sealed is not null`.execute(
    db,
  );

  await db.schema
    .createTable('order_refunds')
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('refund_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'double precision', (c) => c.notNull())
    .addColumn('refunded_at', 'bigint', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('order_refunds_pk', ['domain_id', 'order_id', 'refund_id'])
    .execute();

  await db.schema
    .createTable('shop_store_access')
    .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    // WooCommerce: the shop's base URL; Shopify: <shop>.myshopify.com.
    .addColumn('store_url', 'text', (c) => c.notNull())
    // WooCommerce {consumerKey, consumerSecret} or Shopify {accessToken}, sealed; never returned.
    .addColumn('credentials_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_import_at', 'bigint')
    .addColumn('last_import_result', 'text')
    .addPrimaryKeyConstraint('shop_store_access_pk', ['domain_id', 'platform'])
    .execute();

  await sql`create index events_purchase_id on events (domain_id, event_id) where event_name = 'Purchase'`.execute(
    db,
  );
  await db.schema.alterTable('domains').addColumn('order_paid_statuses', 'text').execute();
  // The last coverage computed (0–1) and when: `reconciliation.coverage_dropped` fires when it crosses down.
  await db.schema.alterTable('domains').addColumn('order_coverage', 'double precision').execute();
  await db.schema.alterTable('domains').addColumn('order_coverage_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('domains').dropColumn('order_coverage_at').execute();
  await db.schema.alterTable('domains').dropColumn('order_coverage').execute();
  await db.schema.alterTable('domains').dropColumn('order_paid_statuses').execute();
  await db.schema.dropIndex('events_purchase_id').execute();
  await db.schema.dropTable('shop_store_access').execute();
  await db.schema.dropTable('order_refunds').execute();
  await db.schema.dropTable('orders').execute();
  await db.schema.dropTable('shop_webhooks').execute();
  await db.schema.dropTable('shop_webhook_secrets').execute();
}
