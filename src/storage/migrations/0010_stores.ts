import type { Kysely } from 'kysely';

/**
 * Store connections and product feeds (issue 11, seed 004). Three blocks, each owned by one part of the
 * code: plugin sign-in (`src/plugin-auth/`), connected stores and their catalogue (`src/stores/`,
 * `src/catalogue/`), feeds (`src/feeds/`).
 * - `store_channels`: a connected store ("sales channel" in seed 004) of an org: WooCommerce REST keys or a
 *   Shopify offline token, sealed; linked to the Tagbridge domain of the same shop when there is one. It
 *   also carries its catalogue sync: the schedule, the lease of the node running it, and a resumable cursor
 *   (a sync killed half-way resumes from its last page instead of restarting).
 * - `products`: the catalogue, one row per sellable item (a simple product, or each variation of a variable
 *   one, sharing `group_id`). Prices are decimal strings as the store sends them ("15.00"), never floats.
 * - `plugin_sessions`: the revocable sessions behind the plugin's JWTs (the JWT names its session; a
 *   refresh token, stored hashed, renews it).
 * - `plugin_registrations`: a plugin asking for an existing account waits here until the owner confirms by
 *   mail; the plugin polls, and receives its token once.
 * - `shopify_oauth_states`: single-use OAuth state nonces (stored hashed), bound to the user who began.
 * - `feeds`: product feed definitions with a globally unique public slug.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // ── plugin sign-in ──────────────────────────────────────────────────────────────────────────────
  await db.schema
    .createTable('plugin_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    // woo-plugin | shopify | …: what asked for it (seed 004 `source`).
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('store_url', 'text')
    .addColumn('channel_id', 'text')
    // SHA-256 of the current refresh token; rotated on every refresh.
    .addColumn('refresh_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('plugin_sessions_user').on('plugin_sessions').columns(['user_id']).execute();

  await db.schema
    .createTable('plugin_registrations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('store_url', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    // SHA-256 of the link's token (mailed to the account's owner).
    .addColumn('confirm_hash', 'text', (c) => c.notNull().unique())
    // SHA-256 of the poll handle the plugin holds (device-flow style: it reads the status, nothing more).
    .addColumn('poll_hash', 'text', (c) => c.notNull().unique())
    .addColumn('ip', 'text')
    // pending | confirmed | delivered | expired | declined
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .execute();

  await db.schema
    .createTable('shopify_oauth_states')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('shop', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();

  // ── connected stores and their catalogue ────────────────────────────────────────────────────────
  await db.schema
    .createTable('store_channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('domain_id', 'text')
    // woocommerce | shopify
    .addColumn('platform', 'text', (c) => c.notNull())
    // WooCommerce: the shop's base URL (https://shop.example.com[/path]); Shopify: <shop>.myshopify.com.
    .addColumn('store_url', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    // active | disconnected | needs_attention (the store refused the credentials)
    .addColumn('status', 'text', (c) => c.notNull())
    // {consumerKey, consumerSecret} or {accessToken, scope}, sealed; null once disconnected.
    .addColumn('credentials_sealed', 'text')
    .addColumn('credential_preview', 'text')
    .addColumn('plugin_version', 'text')
    .addColumn('connected_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('connected_at', 'bigint')
    .addColumn('disconnected_at', 'bigint')
    .addColumn('last_activity_at', 'bigint')
    // Catalogue sync: minutes between runs (null: the configured default; 0: on demand only).
    .addColumn('sync_interval_minutes', 'integer')
    .addColumn('next_sync_at', 'bigint')
    // idle | queued | running | failed
    .addColumn('sync_state', 'text', (c) => c.notNull().defaultTo('idle'))
    .addColumn('sync_run_id', 'text')
    .addColumn('sync_full', 'integer', (c) => c.notNull().defaultTo(1))
    // JSON: where the running sync is (phase, page, cursor), so a crash resumes it.
    .addColumn('sync_cursor', 'text')
    .addColumn('sync_started_at', 'bigint')
    .addColumn('sync_lease_owner', 'text')
    .addColumn('sync_lease_expires_at', 'bigint')
    .addColumn('sync_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sync_total', 'integer')
    // Where the next incremental run starts (`modified_after`): the start of the last complete run.
    .addColumn('sync_watermark', 'bigint')
    // When the last full run completed (scheduled runs are full again after CATALOGUE_FULL_SYNC_HOURS).
    .addColumn('last_full_sync_at', 'bigint')
    .addColumn('last_sync_at', 'bigint')
    .addColumn('last_sync_result', 'text')
    .addColumn('last_sync_error', 'text')
    .addUniqueConstraint('store_channels_store', ['org_id', 'platform', 'store_url'])
    .execute();
  await db.schema.createIndex('store_channels_due').on('store_channels').columns(['next_sync_at']).execute();

  await db.schema
    .createTable('products')
    .addColumn('channel_id', 'text', (c) => c.notNull())
    // The store's id of the item: a simple product's id, or a variation's id.
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    // The parent product's id for a variation (`item_group_id`); null for a simple product.
    .addColumn('group_id', 'text')
    .addColumn('sku', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    // Plain text: HTML stripped, entities decoded.
    .addColumn('description', 'text')
    .addColumn('link', 'text')
    .addColumn('image_link', 'text')
    // JSON array of further image URLs.
    .addColumn('additional_image_links', 'text')
    .addColumn('price', 'text')
    .addColumn('sale_price', 'text')
    .addColumn('sale_from', 'bigint')
    .addColumn('sale_to', 'bigint')
    .addColumn('currency', 'text')
    // in_stock | out_of_stock | backorder | preorder
    .addColumn('availability', 'text', (c) => c.notNull())
    .addColumn('brand', 'text')
    .addColumn('gtin', 'text')
    .addColumn('mpn', 'text')
    // JSON array of category names (the store's own).
    .addColumn('categories', 'text')
    // new | refurbished | used; null: the feed's default.
    .addColumn('condition', 'text')
    // e.g. "1.5 kg"
    .addColumn('shipping_weight', 'text')
    // JSON object of variant attributes ({"Color":"Green","Size":"M"}).
    .addColumn('attributes', 'text')
    .addColumn('source_modified_at', 'bigint')
    // The sync run that last saw it: a full run removes what it did not see.
    .addColumn('seen_run_id', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('products_pk', ['channel_id', 'external_id'])
    .execute();
  await db.schema.createIndex('products_org').on('products').columns(['org_id']).execute();

  // ── feeds ───────────────────────────────────────────────────────────────────────────────────────
  await db.schema
    .createTable('feeds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('channel_id', 'text', (c) => c.notNull())
    // Public and globally unique: GET /api/public/feeds/:slug.
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    // google | meta | json
    .addColumn('format', 'text', (c) => c.notNull())
    // JSON: {inStockOnly?, categories?, minPrice?, maxPrice?}
    .addColumn('filters', 'text', (c) => c.notNull())
    // JSON: {brand?, condition?}
    .addColumn('overrides', 'text', (c) => c.notNull())
    .addColumn('published', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_generated_at', 'bigint')
    .addColumn('last_product_count', 'integer')
    .addColumn('last_skipped_count', 'integer')
    // JSON {field: products left out for lacking it} of the last generation (price, link, title, …).
    .addColumn('last_skipped_reasons', 'text')
    // Bumped by every definition change and catalogue sync: cached output of an older version is stale.
    .addColumn('content_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('feeds_org').on('feeds').columns(['org_id', 'created_at']).execute();
  await db.schema.createIndex('feeds_channel').on('feeds').columns(['channel_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('feeds').execute();
  await db.schema.dropTable('products').execute();
  await db.schema.dropTable('store_channels').execute();
  await db.schema.dropTable('shopify_oauth_states').execute();
  await db.schema.dropTable('plugin_registrations').execute();
  await db.schema.dropTable('plugin_sessions').execute();
}
