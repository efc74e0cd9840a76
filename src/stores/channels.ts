/**
 * Connected stores ("sales channels"): saving credentials (sealed with the channel's id as AAD, never shown
 * again: only a masked preview), the link to the org's Tagbridge domain of the same shop — whose
 * `shop_store_access` row (issue 10's order import) is kept in step — and disconnecting.
 */
import type { AppDeps } from '../app-deps.js';
import { syncProgress } from '../catalogue/progress.js';
import { intervalMs } from '../catalogue/run-sync.js';
import { ApiError } from '../errors.js';
import { maskSecret } from '../lib/crypto.js';
import { newId } from '../lib/ids.js';
import { type Actor, auditBy } from '../management/audit.js';
import { channelAad, type StoreCredentials, storeAad } from '../orders/store-orders.js';
import type { DB } from '../storage/db.js';
import { getLiveDomain, listLiveDomains } from '../storage/repos/domain-admin.js';
import { saveShopStoreAccess } from '../storage/repos/orders.js';
import { revokeChannelPluginSessions } from '../storage/repos/plugin-sessions.js';
import {
  deleteShopStoreAccessOf,
  disconnectStoreChannel,
  findStoreChannel,
  getStoreChannel,
  insertStoreChannel,
  listStoreChannels,
  reconnectStoreChannel,
  updateStoreChannelSettings,
} from '../storage/repos/store-channels.js';
import type { StoreChannelRow } from '../storage/schema.js';
import { storeHost } from './store-url.js';

export interface SaveChannelInput {
  orgId: string;
  platform: 'woocommerce' | 'shopify';
  storeUrl: string;
  credentials: StoreCredentials;
  pluginVersion?: string | null;
  /** An existing channel of the org to reconnect (Shopify OAuth with `channelId`). */
  channelId?: string | null;
  actor: Actor;
}

export interface SavedChannel {
  channelId: string;
  created: boolean;
  domainId: string | null;
}

/** The org's live domain whose shop URL has the same host as the store, if any. */
async function sameShopDomain(db: DB, orgId: string, storeUrl: string): Promise<string | null> {
  const host = storeHost(storeUrl);
  for (const domain of await listLiveDomains(db, orgId)) {
    if (!domain.shop_url) continue;
    try {
      if (storeHost(domain.shop_url) === host) return domain.id;
    } catch {
      // A shop URL that does not parse links nothing.
    }
  }
  return null;
}

/** Writes the linked domain's store access row with the channel's credentials (order import uses them). */
async function syncStoreAccess(
  deps: Pick<AppDeps, 'sealer'>,
  db: DB,
  input: {
    orgId: string;
    domainId: string;
    platform: string;
    storeUrl: string;
    credentials: StoreCredentials;
    now: number;
  },
): Promise<void> {
  await saveShopStoreAccess(db, {
    domain_id: input.domainId,
    platform: input.platform,
    org_id: input.orgId,
    store_url: input.storeUrl,
    credentials_sealed: deps.sealer.seal(input.credentials, storeAad(input.domainId, input.platform)),
    created_at: input.now,
    updated_at: input.now,
  });
}

/** Creates the channel or reconnects the org's channel of the same store; `db` may be a transaction. */
export async function saveChannel(
  deps: Pick<AppDeps, 'sealer' | 'clock'>,
  db: DB,
  input: SaveChannelInput,
): Promise<SavedChannel> {
  const now = deps.clock.now();
  const existing = input.channelId
    ? await getStoreChannel(db, input.orgId, input.channelId)
    : await findStoreChannel(db, { orgId: input.orgId, platform: input.platform, storeUrl: input.storeUrl });
  const id = existing?.id ?? newId('chn', now);
  const domainId = existing?.domain_id ?? (await sameShopDomain(db, input.orgId, input.storeUrl));
  const connection = {
    id,
    orgId: input.orgId,
    platform: input.platform,
    storeUrl: input.storeUrl,
    name: storeHost(input.storeUrl),
    credentialsSealed: deps.sealer.seal(input.credentials, channelAad(id)),
    credentialPreview: maskSecret(
      input.credentials.platform === 'shopify'
        ? input.credentials.accessToken
        : input.credentials.consumerKey,
    ),
    pluginVersion: input.pluginVersion ?? null,
    connectedBy: input.actor.id,
    domainId,
    now,
  };
  if (existing) await reconnectStoreChannel(db, connection);
  else await insertStoreChannel(db, connection);
  if (domainId) {
    await syncStoreAccess(deps, db, {
      orgId: input.orgId,
      domainId,
      platform: input.platform,
      storeUrl: input.storeUrl,
      credentials: input.credentials,
      now,
    });
  }
  await auditBy(db, input.actor, {
    orgId: input.orgId,
    action: existing ? 'store.reconnect' : 'store.connect',
    targetType: 'store_channel',
    targetId: id,
    details: { platform: input.platform, storeUrl: input.storeUrl, domainId },
    at: now,
  });
  return { channelId: id, created: !existing, domainId };
}

/**
 * Disconnects a channel: credentials erased, status `disconnected`, the plugin sessions bound to it
 * revoked, the linked domain's store access (written by this channel) removed. Idempotent.
 */
export async function disconnectChannel(
  deps: Pick<AppDeps, 'storage' | 'clock'>,
  actor: Actor,
  input: { orgId: string; channelId: string },
): Promise<{ revokedSessions: number }> {
  const now = deps.clock.now();
  return deps.storage.db.transaction().execute(async (trx) => {
    const channel = await getStoreChannel(trx, input.orgId, input.channelId);
    if (!channel)
      throw new ApiError('not_found', `No store channel ${input.channelId}`, { id: input.channelId });
    await disconnectStoreChannel(trx, { orgId: input.orgId, channelId: channel.id, now });
    const revokedSessions = await revokeChannelPluginSessions(trx, {
      orgId: input.orgId,
      channelId: channel.id,
      now,
    });
    if (channel.domain_id) {
      await deleteShopStoreAccessOf(trx, {
        domainId: channel.domain_id,
        platform: channel.platform,
        storeUrl: channel.store_url,
      });
    }
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'store.disconnect',
      targetType: 'store_channel',
      targetId: channel.id,
      details: { platform: channel.platform, storeUrl: channel.store_url, revokedSessions },
      at: now,
    });
    return { revokedSessions };
  });
}

export interface StoreChannelView {
  id: string;
  platform: string;
  storeUrl: string;
  name: string | null;
  status: string;
  domainId: string | null;
  /** A masked preview of the key or token, never the value; null once disconnected. */
  credential: string | null;
  pluginVersion: string | null;
  connectedAt: number | null;
  disconnectedAt: number | null;
  lastActivityAt: number | null;
  syncIntervalMinutes: number | null;
  sync: {
    state: string;
    done: number;
    total: number | null;
    lastSyncAt: number | null;
    lastResult: string | null;
    lastError: string | null;
  };
  createdAt: number;
  updatedAt: number;
}

const num = (v: number | null): number | null => (v === null ? null : Number(v));

export function channelView(row: StoreChannelRow): StoreChannelView {
  const progress = syncProgress(row);
  return {
    id: row.id,
    platform: row.platform,
    storeUrl: row.store_url,
    name: row.name,
    status: row.status,
    domainId: row.domain_id,
    credential: row.credential_preview,
    pluginVersion: row.plugin_version,
    connectedAt: num(row.connected_at),
    disconnectedAt: num(row.disconnected_at),
    lastActivityAt: num(row.last_activity_at),
    syncIntervalMinutes: row.sync_interval_minutes,
    sync: {
      state: progress.state,
      done: progress.done,
      total: progress.total,
      lastSyncAt: progress.lastSyncAt,
      lastResult: progress.lastResult,
      lastError: progress.lastError,
    },
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function listChannels(
  deps: Pick<AppDeps, 'storage'>,
  orgId: string,
): Promise<StoreChannelView[]> {
  return (await listStoreChannels(deps.storage.db, orgId)).map(channelView);
}

export async function getChannel(
  deps: Pick<AppDeps, 'storage'>,
  orgId: string,
  channelId: string,
): Promise<StoreChannelView> {
  const row = await getStoreChannel(deps.storage.db, orgId, channelId);
  if (!row) throw new ApiError('not_found', `No store channel ${channelId}`, { id: channelId });
  return channelView(row);
}

/**
 * PATCH: link to one of the org's domains (or unlink with null) and the sync interval. Linking writes the
 * domain's store access from the channel's credentials; unlinking removes the one this channel wrote.
 */
export async function updateChannel(
  deps: Pick<AppDeps, 'storage' | 'sealer' | 'clock' | 'config'>,
  actor: Actor,
  input: { orgId: string; channelId: string; domainId?: string | null; syncIntervalMinutes?: number | null },
): Promise<StoreChannelView> {
  const now = deps.clock.now();
  await deps.storage.db.transaction().execute(async (trx) => {
    const channel = await getStoreChannel(trx, input.orgId, input.channelId);
    if (!channel)
      throw new ApiError('not_found', `No store channel ${input.channelId}`, { id: input.channelId });
    if (input.domainId !== undefined && input.domainId !== channel.domain_id) {
      if (input.domainId !== null && !(await getLiveDomain(trx, input.orgId, input.domainId))) {
        throw new ApiError('validation_failed', `domainId ${input.domainId} is not a domain of this org`, {
          field: 'domainId',
        });
      }
      if (channel.domain_id) {
        await deleteShopStoreAccessOf(trx, {
          domainId: channel.domain_id,
          platform: channel.platform,
          storeUrl: channel.store_url,
        });
      }
      if (input.domainId !== null && channel.credentials_sealed) {
        const credentials = deps.sealer.open<StoreCredentials>(
          channel.credentials_sealed,
          channelAad(channel.id),
        );
        await syncStoreAccess(deps, trx, {
          orgId: input.orgId,
          domainId: input.domainId,
          platform: channel.platform,
          storeUrl: channel.store_url,
          credentials,
          now,
        });
      }
    }
    // The next scheduled sync follows the new interval; null goes back to the operator's default, 0 (or a
    // default of 0) means on demand only.
    const every =
      input.syncIntervalMinutes === undefined
        ? null
        : intervalMs(
            { sync_interval_minutes: input.syncIntervalMinutes },
            deps.config.catalogue.syncIntervalMinutes,
          );
    await updateStoreChannelSettings(trx, {
      orgId: input.orgId,
      channelId: channel.id,
      ...(input.domainId !== undefined ? { domainId: input.domainId } : {}),
      ...(input.syncIntervalMinutes !== undefined
        ? {
            syncIntervalMinutes: input.syncIntervalMinutes,
            nextSyncAt: channel.status === 'active' && every !== null ? now + every : null,
          }
        : {}),
      now,
    });
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'store.update',
      targetType: 'store_channel',
      targetId: channel.id,
      details: {
        ...(input.domainId !== undefined ? { domainId: input.domainId } : {}),
        ...(input.syncIntervalMinutes !== undefined
          ? { syncIntervalMinutes: input.syncIntervalMinutes }
          : {}),
      },
      at: now,
    });
  });
  return getChannel(deps, input.orgId, input.channelId);
}
