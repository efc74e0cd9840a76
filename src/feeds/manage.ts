/**
 * Feed definitions: create, list, read, change and delete — the use cases behind `/v1/feeds…` and
 * `tagbridge feed …`. Every write is audited in the same transaction; a change makes cached output stale.
 */
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import { newId } from '../lib/ids.js';
import { type Actor, auditBy } from '../storage/repos/audit-log.js';
import {
  deleteFeedRow,
  type FeedChanges,
  getFeed,
  getFeedById,
  insertFeed,
  listFeeds,
  slugTaken,
  updateFeedRow,
} from '../storage/repos/feeds.js';
import { getStoreChannel, getStoreChannelById } from '../storage/repos/store-channels.js';
import type { FeedRow } from '../storage/schema.js';
import {
  type FeedFilters,
  type FeedFormat,
  type FeedOverrides,
  isFeedFormat,
  SLUG_RE,
} from './definition.js';

export type FeedDeps = Pick<AppDeps, 'storage' | 'clock' | 'config'>;

export interface CreateFeedInput {
  orgId: string;
  channelId: string;
  slug: string;
  name?: string | undefined;
  format: string;
  filters?: FeedFilters | undefined;
  overrides?: FeedOverrides | undefined;
  published?: boolean | undefined;
}

export interface UpdateFeedInput {
  slug?: string | undefined;
  name?: string | undefined;
  channelId?: string | undefined;
  format?: string | undefined;
  filters?: FeedFilters | undefined;
  overrides?: FeedOverrides | undefined;
  published?: boolean | undefined;
}

function assertSlug(slug: string): string {
  if (!SLUG_RE.test(slug)) {
    throw new ApiError(
      'validation_failed',
      'slug must be 3–100 lower-case letters, digits and hyphens, starting and ending with a letter or digit',
      { field: 'slug' },
    );
  }
  return slug;
}

function assertFormat(format: string): FeedFormat {
  if (!isFeedFormat(format)) {
    throw new ApiError('validation_failed', 'format must be google, meta or json', { field: 'format' });
  }
  return format;
}

function assertName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 200) {
    throw new ApiError('validation_failed', 'name must be 1–200 characters', { field: 'name' });
  }
  return trimmed;
}

function assertFilters(filters: FeedFilters): FeedFilters {
  const { minPrice, maxPrice } = filters;
  if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice) {
    throw new ApiError('validation_failed', 'minPrice must not exceed maxPrice', { field: 'filters' });
  }
  return filters;
}

export async function createFeed(deps: FeedDeps, actor: Actor, input: CreateFeedInput): Promise<FeedRow> {
  const slug = assertSlug(input.slug);
  const format = assertFormat(input.format);
  const name = assertName(input.name ?? slug);
  const filters = assertFilters(input.filters ?? {});
  const now = deps.clock.now();
  const id = newId('fed', now);
  return deps.storage.db.transaction().execute(async (trx) => {
    if (!(await getStoreChannel(trx, input.orgId, input.channelId))) {
      throw new ApiError('not_found', `No store channel ${input.channelId}`, { field: 'channelId' });
    }
    if (await slugTaken(trx, slug)) {
      throw new ApiError('validation_failed', `The slug ${slug} is taken`, { field: 'slug' });
    }
    await insertFeed(trx, {
      id,
      org_id: input.orgId,
      channel_id: input.channelId,
      slug,
      name,
      format,
      filters: JSON.stringify(filters),
      overrides: JSON.stringify(input.overrides ?? {}),
      published: input.published ? 1 : 0,
      created_at: now,
      updated_at: now,
      last_generated_at: null,
      last_product_count: null,
      last_skipped_count: null,
      last_skipped_reasons: null,
    });
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'feed.create',
      targetType: 'feed',
      targetId: id,
      details: { slug, format, channelId: input.channelId, published: input.published === true },
      at: now,
    });
    const row = await getFeed(trx, input.orgId, id);
    if (!row) throw new Error('feed vanished inside its own transaction');
    return row;
  });
}

/** The operator's `feed create --channel`: the org is the channel's. */
export async function orgOfChannel(deps: FeedDeps, channelId: string): Promise<string> {
  const channel = await getStoreChannelById(deps.storage.db, channelId);
  if (!channel) throw new ApiError('not_found', `No store channel ${channelId}`, { field: 'channel' });
  return channel.org_id;
}

/** The operator's `feed update/delete --id`: the org is the feed's. */
export async function orgOfFeed(deps: FeedDeps, feedId: string): Promise<string> {
  const feed = await getFeedById(deps.storage.db, feedId);
  if (!feed) throw new ApiError('not_found', `No feed ${feedId}`, { id: feedId });
  return feed.org_id;
}

export async function listFeedsOfOrg(deps: FeedDeps, orgId: string, channelId?: string): Promise<FeedRow[]> {
  return listFeeds(deps.storage.db, orgId, channelId);
}

export async function getFeedOfOrg(deps: FeedDeps, orgId: string, id: string): Promise<FeedRow> {
  const row = await getFeed(deps.storage.db, orgId, id);
  if (!row) throw new ApiError('not_found', `No feed ${id}`, { id });
  return row;
}

export async function updateFeed(
  deps: FeedDeps,
  actor: Actor,
  input: { orgId: string; id: string; changes: UpdateFeedInput },
): Promise<FeedRow> {
  const { changes } = input;
  const set: FeedChanges = {};
  if (changes.slug !== undefined) set.slug = assertSlug(changes.slug);
  if (changes.name !== undefined) set.name = assertName(changes.name);
  if (changes.format !== undefined) set.format = assertFormat(changes.format);
  if (changes.filters !== undefined) set.filters = JSON.stringify(assertFilters(changes.filters));
  if (changes.overrides !== undefined) set.overrides = JSON.stringify(changes.overrides);
  if (changes.published !== undefined) set.published = changes.published ? 1 : 0;
  if (changes.channelId !== undefined) set.channel_id = changes.channelId;
  const now = deps.clock.now();
  return deps.storage.db.transaction().execute(async (trx) => {
    if (!(await getFeed(trx, input.orgId, input.id))) {
      throw new ApiError('not_found', `No feed ${input.id}`, { id: input.id });
    }
    if (set.channel_id !== undefined && !(await getStoreChannel(trx, input.orgId, set.channel_id))) {
      throw new ApiError('not_found', `No store channel ${set.channel_id}`, { field: 'channelId' });
    }
    if (set.slug !== undefined && (await slugTaken(trx, set.slug, input.id))) {
      throw new ApiError('validation_failed', `The slug ${set.slug} is taken`, { field: 'slug' });
    }
    const row = await updateFeedRow(trx, input.orgId, input.id, set, now);
    if (!row) throw new ApiError('not_found', `No feed ${input.id}`, { id: input.id });
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'feed.update',
      targetType: 'feed',
      targetId: input.id,
      details: { ...changes, slug: row.slug },
      at: now,
    });
    return row;
  });
}

export async function deleteFeed(
  deps: FeedDeps,
  actor: Actor,
  input: { orgId: string; id: string },
): Promise<void> {
  const now = deps.clock.now();
  await deps.storage.db.transaction().execute(async (trx) => {
    const row = await getFeed(trx, input.orgId, input.id);
    if (!row) throw new ApiError('not_found', `No feed ${input.id}`, { id: input.id });
    await deleteFeedRow(trx, input.orgId, input.id);
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'feed.delete',
      targetType: 'feed',
      targetId: input.id,
      details: { slug: row.slug },
      at: now,
    });
  });
}
