/** Shared pieces of the store-connection tests. */
import assert from 'node:assert/strict';
import { newId } from '../../src/lib/ids.js';
import type { Service } from '../../src/main.js';
import { channelAad, type StoreCredentials } from '../../src/orders/store-orders.js';
import { insertStoreChannel, updateStoreChannelSettings } from '../../src/storage/repos/store-channels.js';
import type { TestService } from '../harness.js';

export interface Res {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

export async function call(
  service: TestService,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Res> {
  const res = await service.app!.inject({
    method,
    url,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
  });
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(res.body);
  } catch {
    body = { raw: res.body };
  }
  return { status: res.statusCode, body, headers: res.headers };
}

/** Seed 004's error body: exactly statusCode, message, error (plus nothing of the project's model). */
export function assertSeedError(res: Res, status: number, error?: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.statusCode, status);
  assert.equal(typeof res.body.message, 'string');
  assert.equal(typeof res.body.error, 'string');
  if (error) assert.equal(res.body.error, error);
}

export async function count(
  service: TestService,
  table: 'users' | 'orgs' | 'store_channels' | 'plugin_sessions' | 'shop_store_access',
): Promise<number> {
  const row = await service.storage.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export const uniqueEmail = (tag: string): string =>
  `${tag}-${Math.random().toString(16).slice(2, 10)}@store.example`;

export interface ChannelInput {
  orgId: string;
  /** Default woocommerce. */
  platform?: 'woocommerce' | 'shopify';
  /** Default a unique `https://shop-<id>.example.com`. */
  storeUrl?: string;
  /** Default WooCommerce keys in WooCommerce's format (ck_ + 40 × a, cs_ + 40 × b). */
  credentials?: StoreCredentials;
  name?: string | null;
  domainId?: string | null;
  intervalMinutes?: number | null;
  /** False: never due (tests that only read the channel's products, with no worker to sync it). */
  scheduled?: boolean;
  now?: number;
}

/**
 * A connected channel written directly, as `POST /api/stores/connect` or the Shopify callback leaves it
 * (sealed under the channel's AAD, active, due for its first sync at once): the one channel fixture of the
 * store, catalogue, feed and management tests.
 */
export async function insertChannel(service: Service, input: ChannelInput): Promise<string> {
  const now = input.now ?? Date.now();
  const id = newId('chn', now);
  const credentials: StoreCredentials = input.credentials ?? {
    platform: 'woocommerce',
    consumerKey: `ck_${'a'.repeat(40)}`,
    consumerSecret: `cs_${'b'.repeat(40)}`,
  };
  const key = credentials.platform === 'woocommerce' ? credentials.consumerKey : credentials.accessToken;
  const { db } = service.storage;
  await insertStoreChannel(db, {
    id,
    orgId: input.orgId,
    platform: input.platform ?? credentials.platform,
    storeUrl: input.storeUrl ?? `https://shop-${id.replace('_', '-')}.example.com`,
    name: input.name ?? null,
    credentialsSealed: service.sealer.seal(credentials, channelAad(id)),
    credentialPreview: `${key.slice(0, 3)}****…${key.slice(-4)}`,
    pluginVersion: null,
    connectedBy: null,
    domainId: input.domainId ?? null,
    now,
  });
  if (input.intervalMinutes !== undefined || input.scheduled === false) {
    await updateStoreChannelSettings(db, {
      orgId: input.orgId,
      channelId: id,
      ...(input.intervalMinutes !== undefined ? { syncIntervalMinutes: input.intervalMinutes } : {}),
      ...(input.scheduled === false ? { nextSyncAt: null } : {}),
      now,
    });
  }
  return id;
}
