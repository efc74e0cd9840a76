/**
 * `POST /api/auth/register-from-plugin`: a plugin asks for an account by email. A new address gets a new
 * user and org and its tokens at once. An existing account is never handed to someone who merely knows
 * its address: its owner gets a mail naming the store and the source, with a link to a page whose button
 * confirms (a GET confirms nothing, so mail scanners cannot); the plugin polls with a handle that reads the
 * status and nothing else (like OAuth's device flow), and the first poll after the confirmation receives
 * the tokens, once. docs/store-connections.md describes the flow.
 */
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import { randomHexToken, sha256Hex } from '../lib/crypto.js';
import { newId } from '../lib/ids.js';
import { StatusError } from '../lib/status-error.js';
import { type Actor, auditBy } from '../management/audit.js';
import { validEmail } from '../management/orgs/add-member.js';
import { createOrg } from '../management/orgs/create-org.js';
import type { DB } from '../storage/db.js';
import { addMembership, listUserOrgs } from '../storage/repos/memberships.js';
import { getOrg, createOrg as insertOrg } from '../storage/repos/orgs.js';
import {
  findRegistrationByConfirmHash,
  findRegistrationByPollHash,
  insertPluginRegistration,
  moveRegistration,
  type PluginRegistrationRow,
} from '../storage/repos/plugin-sessions.js';
import { findUserByEmail } from '../storage/repos/users.js';
import type { Org } from '../storage/schema.js';
import { type PluginTokens, startPluginSession } from './sessions.js';

export const POLL_PREFIX = 'tbp_';
/** Seconds a plugin should wait between polls. */
export const POLL_INTERVAL_SECONDS = 5;

export interface RegisterInput {
  email: string;
  storeUrl: string;
  source: string;
  ip: string | null;
}

export type RegisterResult =
  | {
      isNewAccount: true;
      user: { id: string; email: string };
      org: Org;
      tokens: PluginTokens;
    }
  | {
      isNewAccount: false;
      user: { id: string; email: string };
      pollHandle: string;
      expiresAt: number;
    };

/** An org name from the store's host (`yourstore.com`), within the org name limit. */
function orgNameFor(storeUrl: string): string {
  try {
    return new URL(storeUrl).hostname.replace(/^www\./, '').slice(0, 100) || 'My store';
  } catch {
    return 'My store';
  }
}

/** Creates a new account, or files a confirmation request for an existing one (see the module comment). */
export async function registerFromPlugin(
  deps: AppDeps,
  input: RegisterInput,
  within?: (trx: DB, ids: { userId: string; orgId: string }) => Promise<{ channelId: string | null }>,
): Promise<RegisterResult> {
  const email = validEmail(input.email);
  const now = deps.clock.now();
  const existing = await findUserByEmail(deps.storage.db, email);
  if (!existing) {
    const actor: Actor = { type: 'operator', id: `plugin:${input.source}`, ip: input.ip };
    let tokens: PluginTokens | null = null;
    let userId = '';
    const org = await createOrg(deps, actor, {
      name: orgNameFor(input.storeUrl),
      plan: 'free',
      owner: { email },
      within: async (trx, created) => {
        const user = await findUserByEmail(trx, email);
        if (!user) throw new Error('owner not created');
        // Two registrations racing for one new address: only the one that created the user gets a token;
        // the other is rolled back and, asked again, goes the confirmation way.
        if ((await listUserOrgs(trx, user.id)).length !== 1) {
          throw new StatusError(409, 'This address was registered meanwhile; send the request again');
        }
        userId = user.id;
        const bound = within ? await within(trx, { userId, orgId: created.id }) : { channelId: null };
        tokens = await startPluginSession(deps, trx, {
          userId,
          orgId: created.id,
          source: input.source,
          storeUrl: input.storeUrl,
          channelId: bound.channelId,
        });
        await auditBy(
          trx,
          { type: 'user', id: userId, ip: input.ip },
          {
            orgId: created.id,
            action: 'plugin.register',
            targetType: 'user',
            targetId: userId,
            details: { storeUrl: input.storeUrl, source: input.source, newAccount: true },
            at: now,
          },
        );
      },
    });
    if (!tokens) throw new Error('no session started');
    return { isNewAccount: true, user: { id: userId, email }, org, tokens };
  }

  const pollHandle = `${POLL_PREFIX}${randomHexToken(32)}`;
  const confirmToken = randomHexToken(32);
  const expiresAt = now + deps.config.pluginAuth.confirmTtlMs;
  await insertPluginRegistration(deps.storage.db, {
    id: newId('plr', now),
    user_id: existing.id,
    email,
    store_url: input.storeUrl,
    source: input.source,
    confirm_hash: sha256Hex(confirmToken),
    poll_hash: sha256Hex(pollHandle),
    ip: input.ip,
    status: 'pending',
    session_id: null,
    created_at: now,
    expires_at: expiresAt,
    confirmed_at: null,
  });
  const link = `${deps.config.management.publicBaseUrl}/api/auth/plugin-confirm?token=${confirmToken}`;
  const minutes = Math.round(deps.config.pluginAuth.confirmTtlMs / 60_000);
  try {
    await deps.mailer.send({
      to: email,
      subject: 'Confirm the store connecting to your Tagbridge account',
      text:
        'A store asked to connect to your Tagbridge account.\n\n' +
        `Store: ${input.storeUrl}\nSource: ${input.source}\n` +
        `Requested from IP: ${input.ip ?? 'unknown'}\nAt: ${new Date(now).toISOString()}\n\n` +
        `If this was you, open this link and press "Connect this store":\n\n${link}\n\n` +
        `The link works once and expires in ${minutes} minutes. If it was not you, ignore this mail: ` +
        'nothing is connected and no access is given without the button.\n',
    });
  } catch (error) {
    deps.logger?.error({ err: error }, 'sending the plugin confirmation mail failed');
    throw new ApiError('service_unavailable', 'The confirmation mail could not be sent; try again later');
  }
  return { isNewAccount: false, user: { id: existing.id, email }, pollHandle, expiresAt };
}

export type ConfirmLookup =
  | { ok: true; row: PluginRegistrationRow }
  | { ok: false; problem: 'unknown' | 'used' | 'expired' };

/** The pending request a confirm link names (read only: the GET page). */
export async function peekRegistration(deps: AppDeps, token: string): Promise<ConfirmLookup> {
  const row = await findRegistrationByConfirmHash(deps.storage.db, sha256Hex(token));
  if (!row) return { ok: false, problem: 'unknown' };
  if (row.status !== 'pending') return { ok: false, problem: 'used' };
  if (Number(row.expires_at) <= deps.clock.now()) return { ok: false, problem: 'expired' };
  return { ok: true, row };
}

/** The owner's answer (the confirm page's POST): confirmed or declined, once. */
export async function answerRegistration(
  deps: AppDeps,
  input: { token: string; allow: boolean; ip: string },
): Promise<ConfirmLookup> {
  const lookup = await peekRegistration(deps, input.token);
  if (!lookup.ok) return lookup;
  const now = deps.clock.now();
  const moved = await moveRegistration(deps.storage.db, {
    id: lookup.row.id,
    from: 'pending',
    to: input.allow ? 'confirmed' : 'declined',
    confirmedAt: now,
  });
  if (!moved) return { ok: false, problem: 'used' };
  const orgs = await listUserOrgs(deps.storage.db, lookup.row.user_id);
  const orgId = orgs[0]?.orgId;
  if (orgId) {
    await auditBy(
      deps.storage.db,
      { type: 'user', id: lookup.row.user_id, ip: input.ip },
      {
        orgId,
        action: input.allow ? 'plugin.confirm' : 'plugin.decline',
        targetType: 'user',
        targetId: lookup.row.user_id,
        details: { storeUrl: lookup.row.store_url, source: lookup.row.source },
        at: now,
      },
    );
  }
  return { ok: true, row: lookup.row };
}

export type PollResult =
  | { status: 'pending'; expiresAt: number }
  | { status: 'expired' | 'declined' | 'delivered' }
  | {
      status: 'confirmed';
      tokens: PluginTokens;
      user: { id: string; email: string };
      org: Org;
    };

/**
 * The plugin's poll. The handle reads the status; after the owner confirmed, the first poll moves the
 * request to `delivered` (compare-and-set) and receives a new session's tokens; later polls get none.
 */
export async function pollRegistration(deps: AppDeps, handle: string): Promise<PollResult | null> {
  if (!handle.startsWith(POLL_PREFIX)) return null;
  const row = await findRegistrationByPollHash(deps.storage.db, sha256Hex(handle));
  if (!row) return null;
  const now = deps.clock.now();
  if (row.status === 'pending') {
    return Number(row.expires_at) <= now
      ? { status: 'expired' }
      : { status: 'pending', expiresAt: Number(row.expires_at) };
  }
  if (row.status !== 'confirmed') return { status: row.status as 'declined' | 'delivered' | 'expired' };
  // The tokens must be collected within the request's lifetime too.
  if (Number(row.expires_at) + deps.config.pluginAuth.confirmTtlMs <= now) return { status: 'expired' };
  return deps.storage.db.transaction().execute(async (trx): Promise<PollResult> => {
    const org = await orgForPlugin(deps, trx, row.user_id, row.email);
    const tokens = await startPluginSession(deps, trx, {
      userId: row.user_id,
      orgId: org.id,
      source: row.source,
      storeUrl: row.store_url,
    });
    const moved = await moveRegistration(trx, {
      id: row.id,
      from: 'confirmed',
      to: 'delivered',
      sessionId: tokens.sessionId,
    });
    if (!moved) throw new StatusError(409, 'The tokens of this request were already delivered');
    return { status: 'confirmed', tokens, user: { id: row.user_id, email: row.email }, org };
  });
}

/** The org a confirmed plugin works in: the user's first org where they are owner or admin, else a new one. */
async function orgForPlugin(deps: AppDeps, trx: DB, userId: string, email: string): Promise<Org> {
  const orgs = await listUserOrgs(trx, userId);
  const managed = orgs.find((o) => o.role === 'owner' || o.role === 'admin');
  if (managed) {
    const org = await getOrg(trx, managed.orgId);
    if (org) return org;
  }
  const now = deps.clock.now();
  const org = await insertOrg(trx, { name: email.split('@')[1] ?? 'My store', plan: 'free', now });
  await addMembership(trx, { orgId: org.id, userId, role: 'owner', now });
  return org;
}
