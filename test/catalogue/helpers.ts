/** What the catalogue tests share: channels created directly (sealed as the store connection seals them), waits that move a manual clock. */
import type { SyncDeps } from '../../src/catalogue/run-sync.js';
import { storeTransport, type Waits } from '../../src/catalogue/store-client.js';
import type { ManualClock } from '../../src/lib/clock.js';
import { newId } from '../../src/lib/ids.js';
import type { Service } from '../../src/main.js';
import { channelAad, type StoreCredentials } from '../../src/orders/store-orders.js';

export interface ChannelInput {
  orgId: string;
  platform: 'woocommerce' | 'shopify';
  storeUrl: string;
  credentials: StoreCredentials;
  domainId?: string | null;
  intervalMinutes?: number | null;
  now?: number;
}

/** A connected channel, as `POST /api/stores/connect` or the Shopify callback leaves it. */
export async function createChannel(service: Service, input: ChannelInput): Promise<string> {
  const now = input.now ?? Date.now();
  const id = newId('chn', now);
  await service.storage.db
    .insertInto('store_channels')
    .values({
      id,
      org_id: input.orgId,
      domain_id: input.domainId ?? null,
      platform: input.platform,
      store_url: input.storeUrl,
      name: null,
      status: 'active',
      credentials_sealed: service.sealer.seal(input.credentials, channelAad(id)),
      credential_preview: null,
      plugin_version: null,
      connected_by: null,
      created_at: now,
      updated_at: now,
      connected_at: now,
      disconnected_at: null,
      last_activity_at: null,
      sync_interval_minutes: input.intervalMinutes ?? null,
      next_sync_at: now,
      sync_run_id: null,
      sync_cursor: null,
      sync_started_at: null,
      sync_lease_owner: null,
      sync_lease_expires_at: null,
      sync_total: null,
      sync_watermark: null,
      last_full_sync_at: null,
      last_sync_at: null,
      last_sync_result: null,
      last_sync_error: null,
    })
    .execute();
  return id;
}

/** Waits that advance the manual clock at once (and remember every wait). */
export function clockWaits(clock: ManualClock): Waits & { slept: number[] } {
  const slept: number[] = [];
  return {
    slept,
    now: () => clock.now(),
    sleep: async (ms) => {
      slept.push(ms);
      clock.advance(ms);
    },
  };
}

export function syncDeps(service: Service, clock: ManualClock, waits: Waits = clockWaits(clock)): SyncDeps {
  return {
    storage: service.storage,
    sealer: service.sealer,
    config: service.config,
    clock,
    transport: storeTransport(service.config),
    waits,
  };
}

export const CATALOGUE_ENV = {
  ALLOW_PRIVATE_NETWORK_TARGETS: '1',
  CATALOGUE_REQUESTS_PER_SECOND: '50',
  CATALOGUE_POLL_INTERVAL_MS: '3600000',
};
