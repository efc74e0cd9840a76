/**
 * Feed definitions (`feeds`) and the paged product reads a feed is generated from. A definition change
 * or a catalogue sync bumps `content_version`, which is part of the cache key: older output is stale on
 * every node at once, with or without Redis.
 */
import type { Database as SqliteHandle } from 'better-sqlite3';
import type { DB } from '../db.js';
import type { FeedRow, ProductRow } from '../schema.js';
import { PRODUCT_FIELDS } from './products.js';

export type NewFeedRow = Omit<FeedRow, 'content_version'>;

export async function insertFeed(db: DB, row: NewFeedRow): Promise<void> {
  await db.insertInto('feeds').values(row).execute();
}

export async function getFeed(db: DB, orgId: string, id: string): Promise<FeedRow | undefined> {
  return db
    .selectFrom('feeds')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function getFeedById(db: DB, id: string): Promise<FeedRow | undefined> {
  return db.selectFrom('feeds').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getFeedBySlug(db: DB, slug: string): Promise<FeedRow | undefined> {
  return db.selectFrom('feeds').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function slugTaken(db: DB, slug: string, exceptId?: string): Promise<boolean> {
  let query = db.selectFrom('feeds').select('id').where('slug', '=', slug);
  if (exceptId) query = query.where('id', '!=', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

/** The org's feeds, oldest first; `channelId` narrows to one channel's. */
export async function listFeeds(db: DB, orgId: string, channelId?: string): Promise<FeedRow[]> {
  let query = db.selectFrom('feeds').selectAll().where('org_id', '=', orgId);
  if (channelId) query = query.where('channel_id', '=', channelId);
  return query.orderBy('created_at').orderBy('id').execute();
}

export type FeedChanges = Partial<
  Pick<FeedRow, 'slug' | 'name' | 'channel_id' | 'format' | 'filters' | 'overrides' | 'published'>
>;

/** Applies `changes` and makes any cached output stale. */
export async function updateFeedRow(
  db: DB,
  orgId: string,
  id: string,
  changes: FeedChanges,
  now: number,
): Promise<FeedRow | undefined> {
  await db
    .updateTable('feeds')
    .set((eb) => ({ ...changes, updated_at: now, content_version: eb('content_version', '+', 1) }))
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
  return getFeed(db, orgId, id);
}

export async function deleteFeedRow(db: DB, orgId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('feeds')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Makes the cached output of every feed of the channel stale (after a catalogue sync). */
export async function bumpFeedsOfChannel(db: DB, channelId: string): Promise<number> {
  const result = await db
    .updateTable('feeds')
    .set((eb) => ({ content_version: eb('content_version', '+', 1) }))
    .where('channel_id', '=', channelId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** What the last generation produced (does not touch content_version: the output is current). */
export async function recordFeedGeneration(
  db: DB,
  id: string,
  result: { generatedAt: number; products: number; skipped: number; reasons: Record<string, number> },
): Promise<void> {
  await db
    .updateTable('feeds')
    .set({
      last_generated_at: result.generatedAt,
      last_product_count: result.products,
      last_skipped_count: result.skipped,
      last_skipped_reasons: JSON.stringify(result.reasons),
    })
    .where('id', '=', id)
    .execute();
}

export type FeedProduct = Omit<ProductRow, 'org_id' | 'seen_run_id' | 'updated_at' | 'source_modified_at'>;

/** The query of one page of the channel's products (primary-key order, strictly after `afterExternalId`). */
function productPageQuery(db: DB, channelId: string, afterExternalId: string | null, limit: number) {
  let query = db
    .selectFrom('products')
    .select(['channel_id', 'external_id', ...PRODUCT_FIELDS])
    .where('channel_id', '=', channelId);
  if (afterExternalId !== null) query = query.where('external_id', '>', afterExternalId);
  return query.orderBy('channel_id').orderBy('external_id').limit(limit);
}

/**
 * One page of the channel's products in primary-key order, strictly after `afterExternalId` (keyset
 * pagination: each page is an index range scan, however deep into the catalogue).
 */
export async function productPage(
  db: DB,
  channelId: string,
  afterExternalId: string | null,
  limit: number,
): Promise<FeedProduct[]> {
  return productPageQuery(db, channelId, afterExternalId, limit).execute();
}

/**
 * The same page read row by row from SQLite's own handle (better-sqlite3's `iterate()`): each row is
 * made as it is read and can die before the next, where `productPage` (`all()`) keeps the whole page alive
 * until the last row is used. `each` runs synchronously for every row while the statement is open, so it
 * must not await; the connection is held through Kysely for that time (no transaction of another request
 * is in progress on it). Returns the number of rows and the last row's external id.
 */
export async function eachProductOfPage(
  db: DB,
  sqlite: SqliteHandle,
  channelId: string,
  afterExternalId: string | null,
  limit: number,
  each: (product: FeedProduct) => void,
): Promise<{ rows: number; lastExternalId: string | null }> {
  const compiled = productPageQuery(db, channelId, afterExternalId, limit).compile();
  return db.connection().execute(async () => {
    let rows = 0;
    let lastExternalId: string | null = null;
    const statement = sqlite.prepare<unknown[], FeedProduct>(compiled.sql);
    for (const product of statement.iterate(compiled.parameters as unknown[])) {
      rows += 1;
      lastExternalId = product.external_id;
      each(product);
    }
    return { rows, lastExternalId };
  });
}
