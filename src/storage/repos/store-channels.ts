/**
 * Connected stores (`store_channels`) as the connection side sees them: connect, reconnect, disconnect,
 * link to a domain, the org's figures for `/api/sync/status`, and Shopify's single-use OAuth states. The
 * catalogue sync's own columns are written by `products.ts` (the sync part), not here.
 */
import type { Selectable } from 'kysely';
import type { DB } from '../db.js';
import type { ShopifyOauthStatesTable, StoreChannelRow } from '../schema.js';

export type ShopifyOauthStateRow = Selectable<ShopifyOauthStatesTable>;

export async function getStoreChannel(
  db: DB,
  orgId: string,
  channelId: string,
): Promise<StoreChannelRow | undefined> {
  return db
    .selectFrom('store_channels')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', channelId)
    .executeTakeFirst();
}

export async function findStoreChannel(
  db: DB,
  input: { orgId: string; platform: string; storeUrl: string },
): Promise<StoreChannelRow | undefined> {
  return db
    .selectFrom('store_channels')
    .selectAll()
    .where('org_id', '=', input.orgId)
    .where('platform', '=', input.platform)
    .where('store_url', '=', input.storeUrl)
    .executeTakeFirst();
}

export async function listStoreChannels(db: DB, orgId: string): Promise<StoreChannelRow[]> {
  return db
    .selectFrom('store_channels')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
}

export interface ChannelConnection {
  id: string;
  orgId: string;
  platform: string;
  storeUrl: string;
  name: string | null;
  credentialsSealed: string;
  credentialPreview: string;
  pluginVersion: string | null;
  connectedBy: string | null;
  domainId: string | null;
  now: number;
}

/** A new channel, active. */
export async function insertStoreChannel(db: DB, input: ChannelConnection): Promise<void> {
  await db
    .insertInto('store_channels')
    .values({
      id: input.id,
      org_id: input.orgId,
      domain_id: input.domainId,
      platform: input.platform,
      store_url: input.storeUrl,
      name: input.name,
      status: 'active',
      credentials_sealed: input.credentialsSealed,
      credential_preview: input.credentialPreview,
      plugin_version: input.pluginVersion,
      connected_by: input.connectedBy,
      created_at: input.now,
      updated_at: input.now,
      connected_at: input.now,
      disconnected_at: null,
      last_activity_at: input.now,
      sync_interval_minutes: null,
      next_sync_at: input.now,
      sync_total: null,
      sync_run_id: null,
      sync_cursor: null,
      sync_started_at: null,
      sync_lease_owner: null,
      sync_lease_expires_at: null,
      sync_watermark: null,
      last_sync_at: null,
      last_sync_result: null,
      last_sync_error: null,
    })
    .execute();
}

/** New credentials for an existing channel (a reconnect): active again, due for a sync. */
export async function reconnectStoreChannel(db: DB, input: ChannelConnection): Promise<void> {
  await db
    .updateTable('store_channels')
    .set({
      status: 'active',
      credentials_sealed: input.credentialsSealed,
      credential_preview: input.credentialPreview,
      ...(input.pluginVersion !== null ? { plugin_version: input.pluginVersion } : {}),
      ...(input.name !== null ? { name: input.name } : {}),
      connected_by: input.connectedBy,
      domain_id: input.domainId,
      updated_at: input.now,
      connected_at: input.now,
      disconnected_at: null,
      last_activity_at: input.now,
      next_sync_at: input.now,
    })
    .where('id', '=', input.id)
    .where('org_id', '=', input.orgId)
    .execute();
}

/** Credentials erased, status disconnected, nothing scheduled. */
export async function disconnectStoreChannel(
  db: DB,
  input: { orgId: string; channelId: string; now: number },
): Promise<void> {
  await db
    .updateTable('store_channels')
    .set({
      status: 'disconnected',
      credentials_sealed: null,
      credential_preview: null,
      disconnected_at: input.now,
      updated_at: input.now,
      // No further scheduled syncs; the sync's own state columns are the sync's to settle (a running sync
      // finds no credentials and stops).
      next_sync_at: null,
    })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.channelId)
    .execute();
}

export async function updateStoreChannelSettings(
  db: DB,
  input: {
    orgId: string;
    channelId: string;
    domainId?: string | null;
    syncIntervalMinutes?: number | null;
    nextSyncAt?: number | null;
    now: number;
  },
): Promise<void> {
  await db
    .updateTable('store_channels')
    .set({
      ...(input.domainId !== undefined ? { domain_id: input.domainId } : {}),
      ...(input.syncIntervalMinutes !== undefined
        ? { sync_interval_minutes: input.syncIntervalMinutes }
        : {}),
      ...(input.nextSyncAt !== undefined ? { next_sync_at: input.nextSyncAt } : {}),
      updated_at: input.now,
    })
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.channelId)
    .execute();
}

export async function touchStoreChannel(db: DB, channelId: string, now: number): Promise<void> {
  await db.updateTable('store_channels').set({ last_activity_at: now }).where('id', '=', channelId).execute();
}

/** Removes a domain's store access row, but only the one this channel wrote (same store URL). */
export async function deleteShopStoreAccessOf(
  db: DB,
  input: { domainId: string; platform: string; storeUrl: string },
): Promise<void> {
  await db
    .deleteFrom('shop_store_access')
    .where('domain_id', '=', input.domainId)
    .where('platform', '=', input.platform)
    .where('store_url', '=', input.storeUrl)
    .execute();
}

/** What `/api/sync/status` sums for one org: its channels' status and sync columns, its feeds and products. */
export interface OrgSyncRows {
  channels: Array<
    Pick<
      StoreChannelRow,
      | 'status'
      | 'last_activity_at'
      | 'sync_state'
      | 'sync_done'
      | 'sync_total'
      | 'sync_full'
      | 'sync_started_at'
      | 'last_sync_at'
      | 'last_sync_result'
      | 'last_sync_error'
      | 'next_sync_at'
    >
  >;
  feeds: number;
  products: number;
}

export async function orgSyncRows(db: DB, orgId: string): Promise<OrgSyncRows> {
  const channels = await db
    .selectFrom('store_channels')
    .select([
      'status',
      'last_activity_at',
      'sync_state',
      'sync_done',
      'sync_total',
      'sync_full',
      'sync_started_at',
      'last_sync_at',
      'last_sync_result',
      'last_sync_error',
      'next_sync_at',
    ])
    .where('org_id', '=', orgId)
    .execute();
  const feeds = await db
    .selectFrom('feeds')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  const products = await db
    .selectFrom('products')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return { channels, feeds: Number(feeds?.n ?? 0), products: Number(products?.n ?? 0) };
}

export async function insertShopifyOauthState(db: DB, row: ShopifyOauthStateRow): Promise<void> {
  await db.insertInto('shopify_oauth_states').values(row).execute();
}

export async function getShopifyOauthState(
  db: DB,
  stateHash: string,
): Promise<ShopifyOauthStateRow | undefined> {
  return db
    .selectFrom('shopify_oauth_states')
    .selectAll()
    .where('state_hash', '=', stateHash)
    .executeTakeFirst();
}

/** Marks a state used, once: true for the one caller that got it (a replay gets false). */
export async function consumeShopifyOauthState(db: DB, stateHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('shopify_oauth_states')
    .set({ used_at: now })
    .where('state_hash', '=', stateHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** States past their expiry (housekeeping when a new one is made). */
export async function deleteExpiredShopifyOauthStates(db: DB, now: number): Promise<void> {
  await db
    .deleteFrom('shopify_oauth_states')
    .where('expires_at', '<', now - 24 * 3600_000)
    .execute();
}

/** A channel of any org by id (the operator's CLI names channels without their org). */
export async function getStoreChannelById(db: DB, channelId: string): Promise<StoreChannelRow | undefined> {
  return db.selectFrom('store_channels').selectAll().where('id', '=', channelId).executeTakeFirst();
}
