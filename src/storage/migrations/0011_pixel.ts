import type { Kysely } from 'kysely';

/**
 * The first-party pixel and attribution (issue 12, seed 003 "first-party JS pixel … feeds Customer 360 +
 * attribution"). Two blocks:
 * - `pixel_keys`: publishable `pk_…` keys, one domain each, usable only to send events from that domain's
 *   origins. Stored hashed like every other key (the page source holds the key itself); a preview is kept.
 * - `visitors`, `touchpoints`, `conversions` (`src/attribution/`): a first-party visitor id (the `_tb_vid`
 *   cookie) per domain, stitched to a shopper on `identify` or a purchase through `shopper_key` (a keyed
 *   hash of the normalized e-mail or customer id, never the value); the touchpoints of a visitor (landings
 *   with click ids, UTM parameters or a referrer — the sealed part holds the URL and click ids); and the
 *   orders the report attributes to them. Personal data sits only in the `*_sealed` columns.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pixel_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // SHA-256 hex of the whole key: the lookup on every collect request.
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    // `pk_` plus the first and last characters, for lists.
    .addColumn('key_preview', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('pixel_keys_domain').on('pixel_keys').columns(['domain_id']).execute();

  await db.schema
    .createTable('visitors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('domain_id', 'text', (c) => c.notNull())
    // The `_tb_vid` cookie's value; only unique within its domain (a client can send any value).
    .addColumn('visitor_id', 'text', (c) => c.notNull())
    // HMAC-SHA256 (key derived from ENCRYPTION_KEY) of the normalized e-mail, or of the customer id.
    .addColumn('shopper_key', 'text')
    // {email, phone, externalId} as identified, sealed (associated data: the row id).
    .addColumn('identity_sealed', 'text')
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('stitched_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('visitors_domain_visitor')
    .on('visitors')
    .columns(['domain_id', 'visitor_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('visitors_domain_shopper')
    .on('visitors')
    .columns(['domain_id', 'shopper_key'])
    .execute();

  await db.schema
    .createTable('touchpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('visitor_id', 'text', (c) => c.notNull())
    // Milliseconds.
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    // The platform a click id names (meta, google_ads, tiktok, …), else `utm`, `referral`.
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('utm_source', 'text')
    .addColumn('utm_medium', 'text')
    .addColumn('utm_campaign', 'text')
    // Landing URL, referrer and click ids with their times, sealed (associated data: the row id).
    .addColumn('details_sealed', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('touchpoints_visitor')
    .on('touchpoints')
    .columns(['domain_id', 'visitor_id', 'occurred_at'])
    .execute();

  await db.schema
    .createTable('conversions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('domain_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('visitor_id', 'text')
    .addColumn('shopper_key', 'text')
    // Decimal string as sent ("49.99"); the currency as an ISO code.
    .addColumn('value', 'text')
    .addColumn('currency', 'text')
    // Milliseconds.
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('conversions_domain_order')
    .on('conversions')
    .columns(['domain_id', 'order_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('conversions_domain_time')
    .on('conversions')
    .columns(['domain_id', 'occurred_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['conversions', 'touchpoints', 'visitors', 'pixel_keys']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
