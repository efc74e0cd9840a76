/**
 * The catalogue sync use cases the management API and the CLI share: a channel's progress, "sync now",
 * a run to the end in-process (the CLI: same code and same lease as the worker), and the synced products.
 */
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import { randomId } from '../lib/ids.js';
import {
  countProducts,
  leaseChannel,
  listChannelProducts,
  requestChannelSync,
  restartAsFull,
} from '../storage/repos/products.js';
import { getStoreChannel, getStoreChannelById } from '../storage/repos/store-channels.js';
import type { ProductRow, StoreChannelRow } from '../storage/schema.js';
import { orgProductLimit } from './product-limit.js';
import { type SyncProgress, syncProgress } from './progress.js';
import { runLeasedSync, type SyncDeps, type SyncOutcome } from './run-sync.js';
import type { CatalogueItem } from './types.js';

export interface ChannelSyncView extends SyncProgress {
  channelId: string;
  platform: string;
  /** The channel's connection: active | needs_attention | disconnected. */
  status: string;
  /** Products of the channel now. */
  products: number;
  /** The org's plan's product limit across all its channels; null: unlimited. */
  productLimit: number | null;
  /** Products of the org across all its channels. */
  orgProducts: number;
  /** The org holds as many products as its plan allows: syncs add no new ones. */
  limitReached: boolean;
}

async function view(
  deps: Pick<AppDeps, 'storage' | 'config'>,
  channel: StoreChannelRow,
): Promise<ChannelSyncView> {
  const limit = await orgProductLimit(deps.storage.db, deps.config, channel.org_id);
  return {
    channelId: channel.id,
    platform: channel.platform,
    status: channel.status,
    ...syncProgress(channel),
    products: await countProducts(deps.storage.db, channel.id),
    productLimit: limit.limit,
    orgProducts: limit.products,
    limitReached: limit.reached,
  };
}

async function channelOf(
  deps: Pick<AppDeps, 'storage'>,
  orgId: string,
  channelId: string,
): Promise<StoreChannelRow> {
  const channel = await getStoreChannel(deps.storage.db, orgId, channelId);
  if (!channel) throw new ApiError('not_found', 'No such store channel', { channelId });
  return channel;
}

export async function getChannelSync(
  deps: Pick<AppDeps, 'storage' | 'config'>,
  input: { orgId: string; channelId: string },
): Promise<ChannelSyncView> {
  return view(deps, await channelOf(deps, input.orgId, input.channelId));
}

function requireSyncable(channel: StoreChannelRow): void {
  if (channel.status === 'disconnected' || channel.credentials_sealed === null) {
    throw new ApiError(
      'validation_failed',
      'The store is disconnected: connect it again to sync its catalogue',
      {
        field: 'channelId',
        reason: 'disconnected',
      },
    );
  }
}

/**
 * Asks for a sync now (a full one if `full`): the worker picks it up at once. A sync already running is
 * left to finish (`queued: false`).
 */
export async function requestSync(
  deps: Pick<AppDeps, 'storage' | 'clock' | 'config'> & Partial<Pick<AppDeps, 'wakeCatalogue'>>,
  input: { orgId: string; channelId: string; full: boolean },
): Promise<ChannelSyncView & { queued: boolean }> {
  const channel = await channelOf(deps, input.orgId, input.channelId);
  requireSyncable(channel);
  const queued = await requestChannelSync(deps.storage.db, {
    channelId: channel.id,
    full: input.full,
    now: deps.clock.now(),
  });
  if (queued) deps.wakeCatalogue?.();
  return {
    ...(await view(deps, (await getStoreChannelById(deps.storage.db, channel.id)) ?? channel)),
    queued,
  };
}

/**
 * Runs a sync of the channel in this process to its end (the CLI), under the channel's lease like the
 * worker: while another node holds the lease (its run in progress), waits for it, then runs.
 */
export async function syncChannelToEnd(
  deps: SyncDeps,
  input: {
    channelId: string;
    full: boolean;
    onProgress?: (done: number, total: number | null) => void;
    /** How often to look at a lease another node holds. */
    pollMs?: number;
  },
): Promise<SyncOutcome> {
  const { db } = deps.storage;
  const owner = `cli_${randomId(6)}`;
  const channel = await getStoreChannelById(db, input.channelId);
  if (!channel) throw new ApiError('not_found', 'No such store channel', { channelId: input.channelId });
  requireSyncable(channel);
  await requestChannelSync(db, { channelId: channel.id, full: input.full, now: deps.clock.now() });
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const leased = await leaseChannel(db, {
      channelId: channel.id,
      owner,
      now: deps.clock.now(),
      leaseMs: deps.config.catalogue.leaseMs,
    });
    if (leased) {
      // A full run was asked for, but the channel was taken by another run meanwhile: start over, full.
      const run =
        input.full && leased.sync_full !== 1
          ? ((await restartAsFull(db, { channelId: channel.id, owner })) ?? leased)
          : leased;
      const outcome = await runLeasedSync(deps, run, {
        owner,
        ...(input.onProgress ? { onProgress: input.onProgress } : {}),
      });
      if (outcome.status !== 'lease_lost') return outcome;
      continue;
    }
    // Another node's run: show its progress while waiting for its lease to end.
    const current = await getStoreChannelById(db, channel.id);
    if (current) input.onProgress?.(current.sync_done, current.sync_total);
    await deps.waits.sleep(input.pollMs ?? 1000);
  }
  throw new ApiError('service_unavailable', 'The channel stayed leased by another node');
}

/**
 * A product as the management API shows it: the catalogue item read back from its row (availability and
 * condition as stored text), named by the store's id.
 */
export type ProductView = Omit<CatalogueItem, 'externalId' | 'availability' | 'condition'> & {
  id: string;
  availability: string;
  condition: string | null;
  updatedAt: number;
};

const parse = <T>(raw: string | null, fallback: T): T => {
  if (raw === null) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
};

export function productView(row: ProductRow): ProductView {
  return {
    id: row.external_id,
    groupId: row.group_id,
    sku: row.sku,
    title: row.title,
    description: row.description,
    link: row.link,
    imageLink: row.image_link,
    additionalImageLinks: parse<string[]>(row.additional_image_links, []),
    price: row.price,
    salePrice: row.sale_price,
    saleFrom: row.sale_from,
    saleTo: row.sale_to,
    currency: row.currency,
    availability: row.availability,
    brand: row.brand,
    gtin: row.gtin,
    mpn: row.mpn,
    categories: parse<string[]>(row.categories, []),
    condition: row.condition,
    shippingWeight: row.shipping_weight,
    attributes: parse<Record<string, string> | null>(row.attributes, null),
    sourceModifiedAt: row.source_modified_at,
    updatedAt: row.updated_at,
  };
}

/** A page of the channel's products by id (keyset: `after` is the last id of the previous page). */
export async function listProducts(
  deps: Pick<AppDeps, 'storage'>,
  input: { orgId: string; channelId: string; after?: string; limit: number },
): Promise<{ products: ProductView[]; next: string | null; total: number }> {
  const channel = await channelOf(deps, input.orgId, input.channelId);
  const rows = await listChannelProducts(deps.storage.db, {
    orgId: input.orgId,
    channelId: channel.id,
    ...(input.after !== undefined ? { after: input.after } : {}),
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  return {
    products: page.map(productView),
    next: rows.length > input.limit ? (page.at(-1)?.external_id ?? null) : null,
    total: await countProducts(deps.storage.db, channel.id),
  };
}
