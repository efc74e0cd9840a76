/**
 * The catalogue (issue 11): products of connected stores, and the catalogue-sync columns of
 * `store_channels` (schedule, lease, resumable cursor, progress). A sync writes each page of products
 * together with its cursor in one transaction, and only while it holds the channel's lease, so a sync
 * killed half-way resumes from its last page and two workers never write one channel's run at once.
 */
import { PostgresAdapter, sql } from 'kysely';
import type { DB, Dialect } from '../db.js';
import type { NewProduct, ProductRow, StoreChannelRow } from '../schema.js';

/** The connected (not disconnected) channel linked to a Tagbridge domain, newest first. */
export async function getChannelOfDomain(db: DB, domainId: string): Promise<StoreChannelRow | undefined> {
  return db
    .selectFrom('store_channels')
    .selectAll()
    .where('domain_id', '=', domainId)
    .where('status', '!=', 'disconnected')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

/**
 * Leases channels whose sync is due: asked for (queued), interrupted (running, lease expired: taken
 * over), or scheduled (`next_sync_at` passed; never synced and not on-demand-only counts as due).
 * SKIP LOCKED on PostgreSQL, so several workers share the work and never lease one channel twice.
 */
export async function leaseDueChannels(
  db: DB,
  dialect: Dialect,
  input: { owner: string; now: number; leaseMs: number; limit: number; defaultIntervalMinutes: number },
): Promise<StoreChannelRow[]> {
  const { owner, now, leaseMs, limit } = input;
  if (limit <= 0) return [];
  const candidates = db
    .selectFrom('store_channels')
    .select('id')
    // A store that refused the keys is out of the schedule; a sync asked for by hand still tries it once
    // (the owner may have fixed the key's permissions in the store).
    .where((eb) =>
      eb.or([
        eb('status', '=', 'active'),
        eb.and([eb('status', '=', 'needs_attention'), eb('sync_state', '=', 'queued')]),
      ]),
    )
    .where('credentials_sealed', 'is not', null)
    .where((eb) => eb.or([eb('sync_lease_expires_at', 'is', null), eb('sync_lease_expires_at', '<=', now)]))
    .where((eb) =>
      eb.or([
        eb('sync_state', 'in', ['queued', 'running']),
        eb('next_sync_at', '<=', now),
        eb.and([
          eb('next_sync_at', 'is', null),
          eb('last_sync_at', 'is', null),
          eb(eb.fn.coalesce('sync_interval_minutes', eb.val(input.defaultIntervalMinutes)), '>', 0),
        ]),
      ]),
    )
    .orderBy('next_sync_at')
    .limit(limit);
  const update =
    dialect === 'postgres'
      ? db
          .with(
            (cte) => cte('candidates').materialized(),
            () => candidates.forUpdate().skipLocked(),
          )
          .updateTable('store_channels')
          .where('id', 'in', (eb) => eb.selectFrom('candidates').select('candidates.id'))
      : db.updateTable('store_channels').where('id', 'in', candidates);
  return update
    .set({ sync_lease_owner: owner, sync_lease_expires_at: now + leaseMs })
    .where((eb) => eb.or([eb('sync_lease_expires_at', 'is', null), eb('sync_lease_expires_at', '<=', now)]))
    .returningAll()
    .execute();
}

/** Leases one channel (the CLI's in-process run); undefined while another owner's lease runs. */
export async function leaseChannel(
  db: DB,
  input: { channelId: string; owner: string; now: number; leaseMs: number },
): Promise<StoreChannelRow | undefined> {
  return db
    .updateTable('store_channels')
    .set({ sync_lease_owner: input.owner, sync_lease_expires_at: input.now + input.leaseMs })
    .where('id', '=', input.channelId)
    .where((eb) =>
      eb.or([
        eb('sync_lease_expires_at', 'is', null),
        eb('sync_lease_expires_at', '<=', input.now),
        eb('sync_lease_owner', '=', input.owner),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
}

/** Extends the lease; false when it is no longer this owner's (taken over after expiring). */
export async function renewChannelLease(
  db: DB,
  input: { channelId: string; owner: string; until: number },
): Promise<boolean> {
  const result = await db
    .updateTable('store_channels')
    .set({ sync_lease_expires_at: input.until })
    .where('id', '=', input.channelId)
    .where('sync_lease_owner', '=', input.owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Gives the lease back without touching the sync state (a run stopped by shutdown resumes later). */
export async function releaseChannelLease(db: DB, channelId: string, owner: string): Promise<void> {
  await db
    .updateTable('store_channels')
    .set({ sync_lease_owner: null, sync_lease_expires_at: null })
    .where('id', '=', channelId)
    .where('sync_lease_owner', '=', owner)
    .execute();
}

/** Starts a run under the lease: its id, kind, and the cursor it starts from. */
export async function startChannelRun(
  db: DB,
  input: { channelId: string; owner: string; runId: string; full: boolean; cursor: string; now: number },
): Promise<boolean> {
  const result = await db
    .updateTable('store_channels')
    .set({
      sync_state: 'running',
      sync_run_id: input.runId,
      sync_full: input.full ? 1 : 0,
      sync_cursor: input.cursor,
      sync_started_at: input.now,
      sync_done: 0,
      sync_total: null,
    })
    .where('id', '=', input.channelId)
    .where('sync_lease_owner', '=', input.owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Under the lease, drops the run in progress so the next one starts over as a full run (a full sync asked
 * for while another run held the channel). Returns the row as it now is.
 */
export async function restartAsFull(
  db: DB,
  input: { channelId: string; owner: string },
): Promise<StoreChannelRow | undefined> {
  return db
    .updateTable('store_channels')
    .set({ sync_full: 1, sync_cursor: null, sync_run_id: null })
    .where('id', '=', input.channelId)
    .where('sync_lease_owner', '=', input.owner)
    .returningAll()
    .executeTakeFirst();
}

/** A product as stored, without the bookkeeping (`seen_run_id`, `updated_at`). */
export type ProductValues = Omit<NewProduct, 'seen_run_id' | 'updated_at'>;

/** A product's catalogue fields (what a feed lays out); with `source_modified_at`, what a sync compares. */
export const PRODUCT_FIELDS = [
  'group_id',
  'sku',
  'title',
  'description',
  'link',
  'image_link',
  'additional_image_links',
  'price',
  'sale_price',
  'sale_from',
  'sale_to',
  'currency',
  'availability',
  'brand',
  'gtin',
  'mpn',
  'categories',
  'condition',
  'shipping_weight',
  'attributes',
] as const;

const CONTENT_COLUMNS = [...PRODUCT_FIELDS, 'source_modified_at'] as const;

const same = (a: unknown, b: unknown): boolean => (a ?? null) === (b ?? null) || String(a) === String(b);

export interface PageCounts {
  created: number;
  updated: number;
  unchanged: number;
  /** New items left out because the org reached its plan's product limit. */
  notAdded: number;
}

/**
 * Writes one page of a run and its cursor in one transaction, under the lease: new products inserted,
 * changed ones updated, unchanged ones only marked seen. Null when the lease is no longer this owner's
 * (nothing is written: the owner that took over writes this page itself).
 */
export async function writeSyncPage(
  db: DB,
  input: {
    channelId: string;
    owner: string;
    runId: string;
    products: ProductValues[];
    /** The cursor after this page, given the page's counts (they are part of the run's figures). */
    cursor: (counts: PageCounts) => string;
    done: number;
    total: number | null;
    now: number;
    leaseUntil: number;
    /**
     * The org's product limit, from its plan (null: unlimited). Read inside the page's transaction, under
     * a lock of the org's row, so that two channels of one org writing pages at once count each other.
     */
    productLimit?: { orgId: string; of: (plan: string) => number | null };
  },
): Promise<PageCounts | null> {
  return db.transaction().execute(async (trx) => {
    // Taken first: on PostgreSQL the row lock keeps a worker that just took the lease over waiting.
    const lease = await trx
      .updateTable('store_channels')
      .set({ sync_lease_expires_at: input.leaseUntil })
      .where('id', '=', input.channelId)
      .where('sync_lease_owner', '=', input.owner)
      .where('sync_run_id', '=', input.runId)
      .executeTakeFirst();
    if (Number(lease.numUpdatedRows) === 0) return null;
    const counts: PageCounts = { created: 0, updated: 0, unchanged: 0, notAdded: 0 };
    // Room for new products: the plan's limit less what the org holds (the row lock serializes the pages
    // of an org's channels on PostgreSQL; SQLite transactions are serial).
    let room = Number.POSITIVE_INFINITY;
    if (input.productLimit) {
      const query = trx.selectFrom('orgs').select('plan').where('id', '=', input.productLimit.orgId);
      const postgres = trx.getExecutor().adapter instanceof PostgresAdapter;
      const org = await (postgres ? query.forUpdate() : query).executeTakeFirst();
      const limit = org ? input.productLimit.of(org.plan) : null;
      if (limit !== null) {
        const held = await trx
          .selectFrom('products')
          .select(sql<number>`count(*)`.as('n'))
          .where('org_id', '=', input.productLimit.orgId)
          .executeTakeFirstOrThrow();
        room = limit - Number(held.n);
      }
    }
    // A store can list an item twice across pages that shifted; the last copy wins.
    const byId = new Map(input.products.map((p) => [p.external_id, p]));
    const ids = [...byId.keys()];
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const existing = new Map(
        (
          await trx
            .selectFrom('products')
            .selectAll()
            .where('channel_id', '=', input.channelId)
            .where('external_id', 'in', chunk)
            .execute()
        ).map((row) => [row.external_id, row]),
      );
      const unchanged: string[] = [];
      const writes: NewProduct[] = [];
      for (const id of chunk) {
        const product = byId.get(id)!;
        const before = existing.get(id);
        if (
          before &&
          CONTENT_COLUMNS.every((c) => same(before[c], product[c])) &&
          before.org_id === product.org_id
        ) {
          unchanged.push(id);
          continue;
        }
        if (before) counts.updated += 1;
        else if (room <= 0) {
          counts.notAdded += 1;
          continue;
        } else {
          room -= 1;
          counts.created += 1;
        }
        writes.push({ ...product, seen_run_id: input.runId, updated_at: input.now });
      }
      counts.unchanged += unchanged.length;
      if (unchanged.length > 0) {
        await trx
          .updateTable('products')
          .set({ seen_run_id: input.runId })
          .where('channel_id', '=', input.channelId)
          .where('external_id', 'in', unchanged)
          .execute();
      }
      if (writes.length > 0) {
        await trx
          .insertInto('products')
          .values(writes)
          .onConflict((oc) =>
            oc.columns(['channel_id', 'external_id']).doUpdateSet((eb) => ({
              org_id: eb.ref('excluded.org_id'),
              ...Object.fromEntries(CONTENT_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)])),
              seen_run_id: eb.ref('excluded.seen_run_id'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    }
    await trx
      .updateTable('store_channels')
      .set({ sync_cursor: input.cursor(counts), sync_done: input.done, sync_total: input.total })
      .where('id', '=', input.channelId)
      .execute();
    return counts;
  });
}

export async function countProducts(db: DB, channelId: string): Promise<number> {
  const row = await db
    .selectFrom('products')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('channel_id', '=', channelId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Ends a run that read the whole catalogue (or everything changed since the watermark): a full run
 * removes the products it did not see. The channel goes back to idle with its next scheduled time.
 */
export async function completeChannelRun(
  db: DB,
  input: {
    channelId: string;
    owner: string;
    runId: string;
    full: boolean;
    now: number;
    /** Where the next incremental run starts: this run's start. */
    watermark: number;
    nextSyncAt: number | null;
    result: string;
    /** Why the result is not a plain success (the product limit); null otherwise. */
    error?: string | null;
    /** The next run reads everything (a run the product limit cut short: what it left out is read again). */
    nextFull?: boolean;
    done: number;
  },
): Promise<{ removed: number; products: number } | null> {
  return db.transaction().execute(async (trx) => {
    const owned = await trx
      .updateTable('store_channels')
      .set({
        sync_state: 'idle',
        sync_run_id: null,
        sync_full: input.nextFull ? 1 : 0,
        sync_cursor: null,
        sync_lease_owner: null,
        sync_lease_expires_at: null,
        sync_done: input.done,
        sync_total: input.done,
        sync_watermark: input.watermark,
        ...(input.full ? { last_full_sync_at: input.now } : {}),
        last_sync_at: input.now,
        last_sync_result: input.result,
        last_sync_error: input.error ?? null,
        next_sync_at: input.nextSyncAt,
      })
      .where('id', '=', input.channelId)
      .where('sync_lease_owner', '=', input.owner)
      .where('sync_run_id', '=', input.runId)
      .executeTakeFirst();
    if (Number(owned.numUpdatedRows) === 0) return null;
    // A run that read the store proved its credentials good again.
    await trx
      .updateTable('store_channels')
      .set({ status: 'active', updated_at: input.now })
      .where('id', '=', input.channelId)
      .where('status', '=', 'needs_attention')
      .execute();
    let removed = 0;
    if (input.full) {
      const deleted = await trx
        .deleteFrom('products')
        .where('channel_id', '=', input.channelId)
        .where((eb) => eb.or([eb('seen_run_id', 'is', null), eb('seen_run_id', '!=', input.runId)]))
        .executeTakeFirst();
      removed = Number(deleted.numDeletedRows);
    }
    const row = await trx
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('channel_id', '=', input.channelId)
      .executeTakeFirstOrThrow();
    return { removed, products: Number(row.n) };
  });
}

/**
 * Ends a run that could not finish: the cursor stays (the next run resumes from it), the lease is given
 * back. `needsAttention` (the store refused the credentials) also takes the channel out of the schedule
 * until its credentials are replaced.
 */
export async function failChannelRun(
  db: DB,
  input: {
    channelId: string;
    owner: string;
    now: number;
    error: string;
    nextSyncAt: number | null;
    needsAttention: boolean;
  },
): Promise<void> {
  await db
    .updateTable('store_channels')
    .set({
      sync_state: 'failed',
      sync_lease_owner: null,
      sync_lease_expires_at: null,
      last_sync_at: input.now,
      last_sync_result: input.needsAttention ? 'needs_attention' : 'failed',
      last_sync_error: input.error.slice(0, 1000),
      next_sync_at: input.nextSyncAt,
      ...(input.needsAttention ? { status: 'needs_attention', updated_at: input.now } : {}),
    })
    .where('id', '=', input.channelId)
    .where('sync_lease_owner', '=', input.owner)
    .execute();
}

/**
 * Asks for a sync now (management API, CLI): due at once, full if asked. A running sync is left alone
 * (false): it already reads the store.
 */
export async function requestChannelSync(
  db: DB,
  input: { channelId: string; full: boolean; now: number },
): Promise<boolean> {
  const result = await db
    .updateTable('store_channels')
    .set({
      sync_state: 'queued',
      next_sync_at: input.now,
      // A full run asked for starts over (an interrupted incremental run is not resumed).
      ...(input.full ? { sync_full: 1, sync_cursor: null, sync_run_id: null } : {}),
    })
    .where('id', '=', input.channelId)
    .where('sync_state', '!=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** One page of a channel's products by external id (keyset: pass the last id of the previous page). */
export async function listChannelProducts(
  db: DB,
  input: { orgId: string; channelId: string; after?: string; limit: number },
): Promise<ProductRow[]> {
  let query = db
    .selectFrom('products')
    .selectAll()
    .where('channel_id', '=', input.channelId)
    .where('org_id', '=', input.orgId);
  if (input.after !== undefined) query = query.where('external_id', '>', input.after);
  return query.orderBy('external_id').limit(input.limit).execute();
}

/** Products synced per org (for `/api/sync/status`). */
export async function countOrgProducts(db: DB, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('products')
    .select(sql<number>`count(*)`.as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
