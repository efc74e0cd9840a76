/**
 * One catalogue sync of a channel, under its lease: the same code for the worker's scheduler and the
 * CLI's in-process run. A fresh run decides full or incremental and stores its starting cursor; then each
 * page read from the store is written with the cursor that follows it, in one transaction (writeSyncPage),
 * so a run killed half-way resumes from the page after the last one stored. The end of a full run removes
 * what it did not see.
 */
import type { AppDeps } from '../app-deps.js';
import { newId } from '../lib/ids.js';
import { channelAad, type StoreCredentials } from '../orders/store-orders.js';
import { bumpFeedsOfChannel } from '../storage/repos/feeds.js';
import {
  completeChannelRun,
  countProducts,
  failChannelRun,
  type PageCounts,
  type ProductValues,
  renewChannelLease,
  startChannelRun,
  writeSyncPage,
} from '../storage/repos/products.js';
import type { StoreChannelRow } from '../storage/schema.js';
import { LIMITED_RESULT, limitMessage, orgProductLimit, productLimitOf } from './product-limit.js';
import { initialShopifyCursor, type ShopifyCursor, ShopifySource } from './shopify-source.js';
import {
  CredentialsRefusedError,
  RunStoppedError,
  StoreClient,
  type StoreTransport,
  StoreUnavailableError,
  type Waits,
} from './store-client.js';
import type { CatalogueItem } from './types.js';
import {
  initialWooCursor,
  type SourceStep,
  WooCommerceSource,
  type WooCursor,
} from './woocommerce-source.js';

export type SyncDeps = Pick<AppDeps, 'storage' | 'sealer' | 'clock' | 'config'> & {
  transport: StoreTransport;
  waits: Waits;
};

/** The run's figures, kept in the cursor so a resumed run reports the whole run. */
export interface RunStats {
  created: number;
  updated: number;
  unchanged: number;
  pages: number;
  done: number;
  total: number | null;
  /** New items left out for the plan's product limit (absent in cursors of older runs). */
  notAdded?: number;
}

interface StoredCursor {
  v: 1;
  full: boolean;
  /** When the run began: the watermark of the next incremental run once it completes. */
  startedAt: number;
  stats: RunStats;
  source: WooCursor | ShopifyCursor;
}

export interface SyncOutcome {
  status: 'completed' | 'failed' | 'needs_attention' | 'lease_lost' | 'stopped';
  channelId: string;
  full: boolean;
  /** Products of the channel after the run. */
  products: number;
  created: number;
  updated: number;
  unchanged: number;
  removed: number;
  pages: number;
  /** New items left out because the org reached its plan's product limit. */
  notAdded: number;
  /** Whether this call resumed a run an earlier process had begun. */
  resumed: boolean;
  durationMs: number;
  error?: string;
  warnings: string[];
}

export interface RunOptions {
  owner: string;
  onProgress?: (done: number, total: number | null) => void;
  /** Checked between pages: true stops the run (the lease is given back; the next run resumes). */
  shouldStop?: () => boolean;
}

/** A store that failed is tried again after this (its cursor kept). */
export const FAILED_RETRY_MS = 15 * 60_000;
/** Incremental runs start this much before the watermark (clock differences between store and us). */
const WATERMARK_OVERLAP_MS = 5 * 60_000;

const toRow = (orgId: string, channelId: string, item: CatalogueItem): ProductValues => ({
  channel_id: channelId,
  external_id: item.externalId,
  org_id: orgId,
  group_id: item.groupId,
  sku: item.sku,
  title: item.title,
  description: item.description,
  link: item.link,
  image_link: item.imageLink,
  additional_image_links:
    item.additionalImageLinks.length > 0 ? JSON.stringify(item.additionalImageLinks) : null,
  price: item.price,
  sale_price: item.salePrice,
  sale_from: item.saleFrom,
  sale_to: item.saleTo,
  currency: item.currency,
  availability: item.availability,
  brand: item.brand,
  gtin: item.gtin,
  mpn: item.mpn,
  categories: item.categories.length > 0 ? JSON.stringify(item.categories) : null,
  condition: item.condition,
  shipping_weight: item.shippingWeight,
  attributes: item.attributes === null ? null : JSON.stringify(item.attributes),
  source_modified_at: item.sourceModifiedAt,
});

/** Minutes between scheduled runs of the channel (null: on demand only). */
export function intervalMs(
  channel: Pick<StoreChannelRow, 'sync_interval_minutes'>,
  defaultMinutes: number,
): number | null {
  const minutes = channel.sync_interval_minutes ?? defaultMinutes;
  return minutes > 0 ? minutes * 60_000 : null;
}

function parseCursor(raw: string | null): StoredCursor | null {
  if (raw === null) return null;
  try {
    const parsed = JSON.parse(raw) as StoredCursor;
    return parsed.v === 1 ? parsed : null;
  } catch {
    return null;
  }
}

/** Runs (or resumes) the sync of a channel this owner has leased, to its end or its first failure. */
export async function runLeasedSync(
  deps: SyncDeps,
  leased: StoreChannelRow,
  options: RunOptions,
): Promise<SyncOutcome> {
  const { db } = deps.storage;
  const { catalogue } = deps.config;
  const started = deps.waits.now();
  const channel = leased;
  const base = { channelId: channel.id, removed: 0, warnings: [] as string[] };

  const fail = async (
    status: 'failed' | 'needs_attention',
    error: string,
    stats: RunStats,
    full: boolean,
    resumed: boolean,
  ): Promise<SyncOutcome> => {
    const now = deps.clock.now();
    await failChannelRun(db, {
      channelId: channel.id,
      owner: options.owner,
      now,
      error,
      nextSyncAt: status === 'needs_attention' ? channel.next_sync_at : now + FAILED_RETRY_MS,
      needsAttention: status === 'needs_attention',
    });
    return {
      ...base,
      status,
      full,
      resumed,
      products: await countOf(deps, channel.id),
      created: stats.created,
      updated: stats.updated,
      unchanged: stats.unchanged,
      pages: stats.pages,
      notAdded: stats.notAdded ?? 0,
      durationMs: deps.waits.now() - started,
      error,
    };
  };

  let credentials: StoreCredentials;
  try {
    if (channel.credentials_sealed === null) throw new Error('the channel has no credentials');
    credentials = deps.sealer.open<StoreCredentials>(channel.credentials_sealed, channelAad(channel.id));
  } catch (error) {
    const empty: RunStats = { created: 0, updated: 0, unchanged: 0, pages: 0, done: 0, total: null };
    return fail(
      'needs_attention',
      `The stored credentials cannot be used: ${String((error as Error).message)}`,
      empty,
      false,
      false,
    );
  }

  // Resume the interrupted run, or begin one.
  let cursor = channel.sync_run_id === null ? null : parseCursor(channel.sync_cursor);
  const resumed = cursor !== null;
  let runId = channel.sync_run_id ?? '';
  if (cursor === null) {
    const now = deps.clock.now();
    const fullDue =
      channel.last_full_sync_at === null ||
      now - channel.last_full_sync_at >= catalogue.fullSyncHours * 3600_000;
    const full = channel.sync_full === 1 || channel.sync_watermark === null || fullDue;
    const since = full ? null : Math.max(0, (channel.sync_watermark ?? 0) - WATERMARK_OVERLAP_MS);
    cursor = {
      v: 1,
      full,
      startedAt: now,
      stats: { created: 0, updated: 0, unchanged: 0, pages: 0, done: 0, total: null },
      source:
        credentials.platform === 'woocommerce'
          ? initialWooCursor(credentials, since)
          : initialShopifyCursor(since),
    };
    runId = newId('syr', now);
    const began = await startChannelRun(db, {
      channelId: channel.id,
      owner: options.owner,
      runId,
      full,
      cursor: JSON.stringify(cursor),
      now,
    });
    if (!began) return lostLease(deps, base, cursor, resumed, started);
  }
  const run = cursor;

  let leaseLost = false;
  let renewedAt = deps.clock.now();
  // Renewed before a request once a third of the lease has passed: long waits (backoff, Shopify's
  // bucket) keep it; a lease taken over meanwhile stops the run before it reads further.
  const renew = async (): Promise<void> => {
    const now = deps.clock.now();
    if (now - renewedAt < catalogue.leaseMs / 3) return;
    renewedAt = now;
    const until = now + catalogue.leaseMs;
    if (!(await renewChannelLease(db, { channelId: channel.id, owner: options.owner, until })))
      leaseLost = true;
  };
  const client = new StoreClient(
    deps.transport,
    { requestsPerSecond: catalogue.requestsPerSecond, maxRetries: catalogue.maxRetries },
    deps.waits,
    async () => {
      await renew();
      if (leaseLost) throw new LeaseLostError();
    },
    options.shouldStop,
  );
  const step =
    credentials.platform === 'woocommerce'
      ? (((c: WooCursor | ShopifyCursor) =>
          new WooCommerceSource(client, channel.store_url, credentials).step(c as WooCursor)) as (
          c: WooCursor | ShopifyCursor,
        ) => Promise<SourceStep<WooCursor | ShopifyCursor>>)
      : (() => {
          const source = new ShopifySource(
            client,
            deps.config.stores.shopifyShopUrl,
            channel.store_url,
            credentials,
          );
          return (c: WooCursor | ShopifyCursor) => source.step(c as ShopifyCursor);
        })();

  // A stop asked for (CLI interrupt, worker shutdown): the run's figures so far; its cursor stays for later.
  const stopped = async (): Promise<SyncOutcome> => ({
    ...base,
    status: 'stopped',
    full: run.full,
    resumed,
    products: await countOf(deps, channel.id),
    ...figures(run.stats),
    durationMs: deps.waits.now() - started,
  });

  options.onProgress?.(run.stats.done, run.stats.total);
  try {
    for (;;) {
      if (options.shouldStop?.()) return stopped();
      const result = await step(run.source);
      const stats = run.stats;
      if (result.total !== undefined) stats.total = result.total;
      if (stats.total !== null) stats.total = Math.max(0, stats.total + result.totalDelta);
      stats.done += result.done;
      if (stats.total !== null && stats.done > stats.total) stats.total = stats.done;
      stats.pages += 1;
      run.source = result.cursor;
      const now = deps.clock.now();
      const counts = await writeSyncPage(db, {
        channelId: channel.id,
        owner: options.owner,
        runId,
        products: result.items.map((item) => toRow(channel.org_id, channel.id, item)),
        cursor: (counts) =>
          JSON.stringify({
            ...run,
            stats: withPageCounts(stats, counts),
          }),
        done: stats.done,
        total: stats.total,
        now,
        leaseUntil: now + catalogue.leaseMs,
        productLimit: { orgId: channel.org_id, of: productLimitOf(deps.config) },
      });
      if (counts === null) return lostLease(deps, base, run, resumed, started);
      Object.assign(stats, withPageCounts(stats, counts));
      options.onProgress?.(stats.done, stats.total);
      if (result.finished) break;
    }
  } catch (error) {
    if (error instanceof LeaseLostError) return lostLease(deps, base, run, resumed, started);
    if (error instanceof RunStoppedError) return stopped();
    if (error instanceof CredentialsRefusedError)
      return fail('needs_attention', error.message, run.stats, run.full, resumed);
    if (error instanceof StoreUnavailableError)
      return fail('failed', error.message, run.stats, run.full, resumed);
    return fail(
      'failed',
      `The sync stopped: ${(error as Error).message ?? String(error)}`,
      run.stats,
      run.full,
      resumed,
    );
  }

  const now = deps.clock.now();
  const interval = intervalMs(channel, catalogue.syncIntervalMinutes);
  const warnings: string[] = [];
  if (run.source.platform === 'shopify' && run.source.truncatedProducts > 0) {
    warnings.push(
      `${run.source.truncatedProducts} products have more than 100 variants; the others were not read`,
    );
  }
  if (run.source.platform === 'woocommerce' && run.source.context?.currency === null) {
    warnings.push('the store’s currency could not be read (GET /wp-json/wc/v3/settings/general)');
  }
  const limited = await limitedEnd(deps, channel.org_id, run.stats.notAdded ?? 0);
  if (limited) warnings.push(limited);
  const end = await completeChannelRun(db, {
    channelId: channel.id,
    owner: options.owner,
    runId,
    full: run.full,
    now,
    watermark: run.startedAt,
    nextSyncAt: interval === null ? null : now + interval,
    result: limited ? LIMITED_RESULT : warnings.length > 0 ? `success: ${warnings.join('; ')}` : 'success',
    ...(limited ? { error: limited, nextFull: true } : {}),
    done: run.stats.done,
  });
  if (end === null) return lostLease(deps, base, run, resumed, started);
  // After the run's last write: the channel's feeds generate afresh on their next request (the version
  // is in the cache key, so every node sees it). The figures are the whole run's, resumed parts included.
  if (run.stats.created + run.stats.updated + end.removed > 0) await bumpFeedsOfChannel(db, channel.id);
  return {
    ...base,
    status: 'completed',
    full: run.full,
    resumed,
    products: end.products,
    removed: end.removed,
    ...figures(run.stats),
    durationMs: deps.waits.now() - started,
    warnings,
  };
}

class LeaseLostError extends Error {
  constructor() {
    super('the sync lease was taken over');
  }
}

/** The run's figures with one written page's counts added (what the page's cursor and the run carry). */
const withPageCounts = (stats: RunStats, counts: PageCounts): RunStats => ({
  ...stats,
  created: stats.created + counts.created,
  updated: stats.updated + counts.updated,
  unchanged: stats.unchanged + counts.unchanged,
  notAdded: (stats.notAdded ?? 0) + counts.notAdded,
});

const figures = (
  stats: RunStats,
): Pick<SyncOutcome, 'created' | 'updated' | 'unchanged' | 'pages' | 'notAdded'> => ({
  created: stats.created,
  updated: stats.updated,
  unchanged: stats.unchanged,
  pages: stats.pages,
  notAdded: stats.notAdded ?? 0,
});

/** The product limit's message when the run left products out (null when it did not). */
async function limitedEnd(deps: SyncDeps, orgId: string, notAdded: number): Promise<string | null> {
  if (notAdded === 0) return null;
  const { limit } = await orgProductLimit(deps.storage.db, deps.config, orgId);
  return limitMessage(limit, notAdded);
}

async function countOf(deps: SyncDeps, channelId: string): Promise<number> {
  return countProducts(deps.storage.db, channelId);
}

async function lostLease(
  deps: SyncDeps,
  base: { channelId: string; removed: number; warnings: string[] },
  run: StoredCursor,
  resumed: boolean,
  started: number,
): Promise<SyncOutcome> {
  return {
    ...base,
    status: 'lease_lost',
    full: run.full,
    resumed,
    products: await countOf(deps, base.channelId),
    ...figures(run.stats),
    durationMs: deps.waits.now() - started,
    error: 'another worker took the sync over',
  };
}
