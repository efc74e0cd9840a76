/**
 * Shopify OAuth (authorization code grant, reference/clients.md §3.1) for connecting a Shopify store:
 * - init: a random state, stored hashed with the user, org, shop and a 10-minute expiry; the browser that
 *   starts the flow gets an HttpOnly SameSite=Lax cookie holding a MAC of the state (as Shopify's own
 *   library binds it), so a callback carrying someone else's state is refused;
 * - callback: the query's HMAC (hex HMAC-SHA256 under the app secret, both canonical forms, constant time)
 *   before anything else, a fresh timestamp, the shop host, the state (same shop, same browser, unexpired,
 *   consumed once), then the code exchanged for an offline token, stored sealed in a shopify channel.
 * Every Shopify URL is built from config.stores.shopifyShopUrl (`https://{shop}` in production).
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { request } from 'undici';
import type { AppDeps } from '../app-deps.js';
import type { Config } from '../config.js';
import { randomHexToken, sha256Hex } from '../lib/crypto.js';
import type { Actor } from '../management/audit.js';
import { myshopifyHost } from '../orders/store-access.js';
import {
  consumeShopifyOauthState,
  deleteExpiredShopifyOauthStates,
  getShopifyOauthState,
  getStoreChannel,
  insertShopifyOauthState,
} from '../storage/repos/store-channels.js';
import { saveChannel } from './channels.js';

export const SHOPIFY_SCOPES = 'read_products,read_orders';
export const STATE_TTL_MS = 10 * 60_000;
/** Shopify's callback timestamp must be this fresh (Shopify's own library uses 90 s). */
export const CALLBACK_MAX_AGE_MS = 90_000;
export const STATE_COOKIE = 'tb_shopify_state';
export const CALLBACK_PATH = '/api/shopify/oauth/callback';
const EXCHANGE_TIMEOUT_MS = 15_000;

/** `mystore` or `mystore.myshopify.com` (any case, no scheme or path) → `mystore.myshopify.com`; else null. */
export const normalizeShop = myshopifyHost;

/** A callback's `shop` exactly as Shopify sends it: a myshopify host, nothing else (no case or name to fill in). */
export function isShopHost(value: string): boolean {
  return myshopifyHost(value) === value;
}

export function isShopifyConfigured(config: Config): boolean {
  return Boolean(config.stores.shopifyApiKey && config.stores.shopifyApiSecret);
}

export function shopAdminUrl(config: Config, shop: string, path: string): string {
  return `${config.stores.shopifyShopUrl.replace('{shop}', shop)}${path}`;
}

type Query = Record<string, unknown>;

/** The two canonical messages of a callback query (reference §3.1): re-encoded, and decoded values. */
export function hmacMessages(query: Query): string[] | null {
  const entries: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(query)) {
    if (key === 'hmac' || key === 'signature') continue;
    if (typeof value !== 'string') return null;
    entries.push([key, value]);
  }
  entries.sort(([a], [b]) => a.localeCompare(b));
  const encoded = new URLSearchParams(entries).toString().replace(/\+/g, '%20');
  const decoded = entries.map(([k, v]) => `${k}=${v}`).join('&');
  return encoded === decoded ? [encoded] : [encoded, decoded];
}

/** True when `hmac` is the hex HMAC-SHA256 of either canonical form under `secret`; constant time. */
export function verifyShopifyHmac(query: Query, secret: string): boolean {
  const given = query.hmac;
  if (typeof given !== 'string' || !/^[0-9a-f]{64}$/i.test(given)) return false;
  const messages = hmacMessages(query);
  if (!messages) return false;
  const givenBytes = Buffer.from(given.toLowerCase(), 'hex');
  let ok = false;
  for (const message of messages) {
    const digest = createHmac('sha256', secret).update(message).digest();
    // Every form is compared (no early exit), each in constant time.
    ok = timingSafeEqual(digest, givenBytes) || ok;
  }
  return ok;
}

const cookieKeys = new WeakMap<object, Buffer>();

/** The MAC of a state the initiating browser holds in its cookie. */
export function stateCookieValue(config: Config, state: string): string {
  let key = cookieKeys.get(config);
  if (!key) {
    const first = config.encryptionKeys[0];
    if (!first) throw new Error('no encryption key');
    key = Buffer.from(hkdfSync('sha256', first, Buffer.alloc(0), 'tagbridge/shopify-oauth-state/v1', 32));
    cookieKeys.set(config, key);
  }
  return createHmac('sha256', key).update(state).digest('hex');
}

export class OauthError extends Error {
  constructor(
    message: string,
    readonly channelId: string | null = null,
  ) {
    super(message);
  }
}

export interface InitResult {
  authUrl: string;
  state: string;
  cookie: string;
}

/** Starts the flow for a user of `orgId`; throws OauthError for a bad shop or channel. */
export async function initShopifyOauth(
  deps: Pick<AppDeps, 'config' | 'storage' | 'clock'>,
  input: { orgId: string; userId: string; shopDomain: string; channelId?: string | undefined },
): Promise<InitResult> {
  const { config } = deps;
  const shop = normalizeShop(input.shopDomain);
  if (!shop) throw new OauthError('shopDomain must be mystore or mystore.myshopify.com');
  if (input.channelId) {
    const channel = await getStoreChannel(deps.storage.db, input.orgId, input.channelId);
    if (channel?.platform !== 'shopify')
      throw new OauthError('channelId is not a Shopify channel of this account');
    if (channel.store_url !== shop) throw new OauthError('channelId belongs to another shop');
  }
  const now = deps.clock.now();
  const state = randomHexToken(32);
  await deleteExpiredShopifyOauthStates(deps.storage.db, now);
  await insertShopifyOauthState(deps.storage.db, {
    state_hash: sha256Hex(state),
    user_id: input.userId,
    org_id: input.orgId,
    shop,
    channel_id: input.channelId ?? null,
    created_at: now,
    expires_at: now + STATE_TTL_MS,
    used_at: null,
  });
  const url = new URL(shopAdminUrl(config, shop, '/admin/oauth/authorize'));
  url.searchParams.set('client_id', config.stores.shopifyApiKey ?? '');
  url.searchParams.set('scope', SHOPIFY_SCOPES);
  url.searchParams.set('redirect_uri', `${config.management.publicBaseUrl}${CALLBACK_PATH}`);
  url.searchParams.set('state', state);
  // Empty: an offline (shop-wide, non-expiring) token, what a background sync needs.
  url.searchParams.set('grant_options[]', '');
  return { authUrl: url.toString(), state, cookie: stateCookieValue(config, state) };
}

/** Exchanges the code for an offline token: `POST {shop}/admin/oauth/access_token`. */
export async function exchangeCode(
  config: Config,
  shop: string,
  code: string,
): Promise<{ accessToken: string; scope: string }> {
  let status = 0;
  let body: unknown;
  try {
    const res = await request(shopAdminUrl(config, shop, '/admin/oauth/access_token'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'Tagbridge' },
      body: JSON.stringify({
        client_id: config.stores.shopifyApiKey,
        client_secret: config.stores.shopifyApiSecret,
        code,
      }),
      headersTimeout: EXCHANGE_TIMEOUT_MS,
      bodyTimeout: EXCHANGE_TIMEOUT_MS,
      signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS),
    });
    status = res.statusCode;
    const text = await res.body.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new OauthError('Shopify could not be reached to complete the connection');
  }
  const token = (body as { access_token?: unknown } | null)?.access_token;
  if (status !== 200 || typeof token !== 'string' || token === '') {
    throw new OauthError(`Shopify refused the authorization code (HTTP ${status})`);
  }
  const scope = (body as { scope?: unknown }).scope;
  return { accessToken: token, scope: typeof scope === 'string' ? scope : '' };
}

/**
 * The callback, checked in the order of the module comment; the channel id on success. Every refusal is an
 * OauthError whose message the redirect carries (never a secret).
 */
export async function completeShopifyOauth(
  deps: Pick<AppDeps, 'config' | 'storage' | 'clock' | 'sealer'>,
  input: { query: Query; cookie: string | undefined; ip: string },
): Promise<{ channelId: string; created: boolean }> {
  const { config } = deps;
  const secret = config.stores.shopifyApiSecret;
  if (!isShopifyConfigured(config) || !secret)
    throw new OauthError('Shopify is not configured on this server');
  const q = input.query;
  if (!verifyShopifyHmac(q, secret))
    throw new OauthError('The request did not come from Shopify (bad signature)');
  const now = deps.clock.now();
  const timestamp =
    typeof q.timestamp === 'string' && /^\d{1,12}$/.test(q.timestamp) ? Number(q.timestamp) : NaN;
  if (!Number.isFinite(timestamp) || Math.abs(now - timestamp * 1000) > CALLBACK_MAX_AGE_MS) {
    throw new OauthError('The Shopify callback is stale; start the connection again');
  }
  const shop = typeof q.shop === 'string' ? q.shop : '';
  if (!isShopHost(shop)) throw new OauthError('The shop is not a myshopify.com store');
  const state = typeof q.state === 'string' ? q.state : '';
  const code = typeof q.code === 'string' ? q.code : '';
  if (!state || !code || code.length > 512) throw new OauthError('The Shopify callback is incomplete');
  const row = await getShopifyOauthState(deps.storage.db, sha256Hex(state));
  if (!row) throw new OauthError('Unknown connection attempt; start the connection again');
  const channelId = row.channel_id;
  if (row.used_at !== null) throw new OauthError('This connection attempt was already used', channelId);
  if (Number(row.expires_at) <= now)
    throw new OauthError('This connection attempt expired; start again', channelId);
  if (row.shop !== shop)
    throw new OauthError('The shop does not match the one the connection was started for', channelId);
  const expected = stateCookieValue(config, state);
  const cookie = input.cookie ?? '';
  if (cookie.length !== expected.length || !timingSafeEqual(Buffer.from(cookie), Buffer.from(expected))) {
    throw new OauthError('This connection was started in another browser; start it again here', channelId);
  }
  if (!(await consumeShopifyOauthState(deps.storage.db, row.state_hash, now))) {
    throw new OauthError('This connection attempt was already used', channelId);
  }
  const token = await exchangeCode(config, shop, code);
  const actor: Actor = { type: 'user', id: row.user_id, ip: input.ip };
  const saved = await deps.storage.db.transaction().execute((trx) =>
    saveChannel(deps, trx, {
      orgId: row.org_id,
      platform: 'shopify',
      storeUrl: shop,
      credentials: { platform: 'shopify', accessToken: token.accessToken, scope: token.scope },
      channelId,
      actor,
    }),
  );
  return { channelId: saved.channelId, created: saved.created };
}
