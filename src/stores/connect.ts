/**
 * `POST /api/stores/connect` (seed 004): a WooCommerce plugin hands over REST keys. The keys are checked
 * against the store first (nothing is stored when it refuses them). Then:
 * - with a valid Bearer JWT: the store is connected to that account (owner or admin role);
 * - without one, by `email`, under register-from-plugin's rules: a new address gets a new account with the
 *   store connected and its tokens; an existing account gets a confirmation mail and NO token and NO
 *   channel (202 with a poll handle); once the owner confirmed and the plugin collected its token, it
 *   calls connect again with it.
 */
import type { AppDeps } from '../app-deps.js';
import { StatusError } from '../lib/status-error.js';
import type { Actor } from '../management/audit.js';
import { roleAtLeast } from '../management/orgs/member-rules.js';
import { storeGetter } from '../orders/store-http.js';
import type { StoreCredentials, StoreGet } from '../orders/store-orders.js';
import { registerFromPlugin } from '../plugin-auth/register.js';
import { accessToken, type PluginAuth, type PluginTokens } from '../plugin-auth/sessions.js';
import { bindPluginSessionToChannel } from '../storage/repos/plugin-sessions.js';
import { saveChannel } from './channels.js';
import { wooStoreUrl } from './store-url.js';
import { checkWooKeys, validWooKeys } from './woocommerce-check.js';

export interface ConnectInput {
  storeUrl: string;
  consumerKey: string;
  consumerSecret: string;
  email?: string | undefined;
  platform?: string | undefined;
  pluginVersion?: string | undefined;
  ip: string;
}

export type ConnectResult =
  | {
      kind: 'connected';
      created: boolean;
      channelId: string;
      token: string;
      tokens: PluginTokens | null;
      isNewAccount: boolean;
    }
  | { kind: 'confirmation_required'; pollHandle: string; expiresAt: number };

export async function connectStore(
  deps: AppDeps,
  auth: PluginAuth | null,
  input: ConnectInput,
  get: StoreGet = storeGetter(deps),
): Promise<ConnectResult> {
  if ((input.platform ?? 'woocommerce') !== 'woocommerce') {
    throw new StatusError(
      400,
      'platform must be woocommerce; Shopify stores connect through /api/shopify/oauth/init',
    );
  }
  const storeUrl = wooStoreUrl(input.storeUrl, deps.config.management.allowPrivateNetworkTargets);
  const keys = validWooKeys(input.consumerKey, input.consumerSecret);
  if (!auth && !input.email) throw new StatusError(400, 'email is required without a Bearer token');
  if (auth && !roleAtLeast(auth.role, 'admin')) {
    throw new StatusError(403, `Connecting a store needs the admin role or higher (you are ${auth.role})`);
  }

  // The keys must work before anything is kept or any account is touched.
  const mode = await checkWooKeys(get, storeUrl, keys);
  const credentials: StoreCredentials = { platform: 'woocommerce', ...keys, auth: mode };

  if (auth) {
    const actor: Actor = { type: 'user', id: auth.userId, ip: input.ip };
    const saved = await deps.storage.db.transaction().execute(async (trx) => {
      const result = await saveChannel(deps, trx, {
        orgId: auth.orgId,
        platform: 'woocommerce',
        storeUrl,
        credentials,
        pluginVersion: input.pluginVersion ?? null,
        actor,
      });
      await bindPluginSessionToChannel(trx, { id: auth.sessionId, channelId: result.channelId, storeUrl });
      return result;
    });
    const token = await accessToken(deps, auth);
    return {
      kind: 'connected',
      created: saved.created,
      channelId: saved.channelId,
      token,
      tokens: null,
      isNewAccount: false,
    };
  }

  let channelId = '';
  let created = false;
  const registered = await registerFromPlugin(
    deps,
    { email: input.email ?? '', storeUrl, source: 'woo-plugin', ip: input.ip },
    async (trx, ids) => {
      const saved = await saveChannel(deps, trx, {
        orgId: ids.orgId,
        platform: 'woocommerce',
        storeUrl,
        credentials,
        pluginVersion: input.pluginVersion ?? null,
        actor: { type: 'user', id: ids.userId, ip: input.ip },
      });
      channelId = saved.channelId;
      created = saved.created;
      return { channelId };
    },
  );
  if (!registered.isNewAccount) {
    return {
      kind: 'confirmation_required',
      pollHandle: registered.pollHandle,
      expiresAt: registered.expiresAt,
    };
  }
  return {
    kind: 'connected',
    created,
    channelId,
    token: registered.tokens.token,
    tokens: registered.tokens,
    isNewAccount: true,
  };
}
