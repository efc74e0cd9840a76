/**
 * Plugin sessions: what a plugin holds is a short-lived JWT naming a session row and a refresh token
 * (256 random bits, stored as SHA-256, replaced on every refresh). Revoking the row (logout, logout-all,
 * disconnect of its channel) ends both at once, because every request checks the row.
 */
import type { AppDeps } from '../app-deps.js';
import { randomHexToken, sha256Hex } from '../lib/crypto.js';
import { newId } from '../lib/ids.js';
import type { DB } from '../storage/db.js';
import { getMembership } from '../storage/repos/memberships.js';
import {
  findPluginSessionByRefreshHash,
  getPluginSession,
  insertPluginSession,
  rotatePluginRefresh,
  touchPluginSession,
} from '../storage/repos/plugin-sessions.js';
import { touchStoreChannel } from '../storage/repos/store-channels.js';
import type { Role } from '../storage/schema.js';
import { type JwtKeys, jwtKeys, signPluginJwt, verifyPluginJwt } from './jwt.js';

export type PluginDeps = Pick<AppDeps, 'config' | 'storage' | 'clock'>;

/** What a plugin receives when it signs in or refreshes. */
export interface PluginTokens {
  token: string;
  refreshToken: string;
  /** Seconds until `token` expires. */
  expiresIn: number;
  sessionId: string;
}

export interface PluginAuth {
  userId: string;
  orgId: string;
  sessionId: string;
  role: Role;
  channelId: string | null;
  storeUrl: string | null;
}

const keyCache = new WeakMap<object, JwtKeys>();

export function keysOf(deps: Pick<AppDeps, 'config'>): JwtKeys {
  let keys = keyCache.get(deps.config);
  if (!keys) {
    keys = jwtKeys(deps.config.encryptionKeys);
    keyCache.set(deps.config, keys);
  }
  return keys;
}

const REFRESH_PREFIX = 'tbr_';
// last_used_at is written at most this often per session.
const TOUCH_INTERVAL_MS = 60_000;

/** A new session for `userId` in `orgId` and its first tokens; `db` may be the caller's transaction. */
export async function startPluginSession(
  deps: PluginDeps,
  db: DB,
  input: {
    userId: string;
    orgId: string;
    source: string;
    storeUrl: string | null;
    channelId?: string | null;
  },
): Promise<PluginTokens> {
  const now = deps.clock.now();
  const refreshToken = `${REFRESH_PREFIX}${randomHexToken(32)}`;
  const id = newId('pls', now);
  await insertPluginSession(db, {
    id,
    user_id: input.userId,
    org_id: input.orgId,
    source: input.source,
    store_url: input.storeUrl,
    channel_id: input.channelId ?? null,
    refresh_hash: sha256Hex(refreshToken),
    created_at: now,
    last_used_at: now,
    expires_at: now + deps.config.pluginAuth.refreshTtlMs,
    revoked_at: null,
  });
  const token = await accessToken(deps, { userId: input.userId, orgId: input.orgId, sessionId: id });
  return { token, refreshToken, expiresIn: deps.config.pluginAuth.jwtTtlSeconds, sessionId: id };
}

/** A fresh JWT for an existing session. */
export async function accessToken(
  deps: PluginDeps,
  input: { userId: string; orgId: string; sessionId: string },
): Promise<string> {
  return signPluginJwt(
    keysOf(deps),
    { sub: input.userId, org: input.orgId, sid: input.sessionId },
    { now: deps.clock.now(), ttlSeconds: deps.config.pluginAuth.jwtTtlSeconds },
  );
}

export type RefreshResult = { ok: true; tokens: PluginTokens } | { ok: false };

/**
 * Exchanges a refresh token for a new JWT and a new refresh token (the old one stops working). Unknown,
 * revoked, expired or already-rotated tokens all fail alike.
 */
export async function refreshPluginSession(deps: PluginDeps, refreshToken: string): Promise<RefreshResult> {
  if (!refreshToken.startsWith(REFRESH_PREFIX)) return { ok: false };
  const now = deps.clock.now();
  const { db } = deps.storage;
  const oldHash = sha256Hex(refreshToken);
  const session = await findPluginSessionByRefreshHash(db, oldHash);
  if (!session || session.revoked_at !== null || Number(session.expires_at) <= now) return { ok: false };
  if (!(await getMembership(db, session.org_id, session.user_id))) return { ok: false };
  const next = `${REFRESH_PREFIX}${randomHexToken(32)}`;
  const swapped = await rotatePluginRefresh(db, {
    id: session.id,
    oldHash,
    newHash: sha256Hex(next),
    now,
    expiresAt: now + deps.config.pluginAuth.refreshTtlMs,
  });
  if (!swapped) return { ok: false };
  const token = await accessToken(deps, {
    userId: session.user_id,
    orgId: session.org_id,
    sessionId: session.id,
  });
  return {
    ok: true,
    tokens: {
      token,
      refreshToken: next,
      expiresIn: deps.config.pluginAuth.jwtTtlSeconds,
      sessionId: session.id,
    },
  };
}

export type AuthCheck = { ok: true; auth: PluginAuth } | { ok: false; reason: string };

/**
 * A bearer JWT checked completely: signature and expiry, then its session (live, not revoked, not past its
 * end) and the user's membership in the org (a removed member's plugin loses access).
 */
export async function authenticatePluginJwt(deps: PluginDeps, token: string): Promise<AuthCheck> {
  const now = deps.clock.now();
  const check = await verifyPluginJwt(keysOf(deps), token, now);
  if (!check.ok) return { ok: false, reason: check.reason === 'expired' ? 'Token expired' : 'Invalid token' };
  const { db } = deps.storage;
  const session = await getPluginSession(db, check.claims.sid);
  if (
    !session ||
    session.user_id !== check.claims.sub ||
    session.org_id !== check.claims.org ||
    session.revoked_at !== null ||
    Number(session.expires_at) <= now
  ) {
    return { ok: false, reason: 'Session revoked or expired' };
  }
  const member = await getMembership(db, session.org_id, session.user_id);
  if (!member) return { ok: false, reason: 'Session revoked or expired' };
  if (now - Number(session.last_used_at) > TOUCH_INTERVAL_MS) {
    await touchPluginSession(db, session.id, now);
    // The plugin's use is its store's activity too (GET /api/sync/status `last_activity`).
    if (session.channel_id) await touchStoreChannel(db, session.channel_id, now);
  }
  return {
    ok: true,
    auth: {
      userId: session.user_id,
      orgId: session.org_id,
      sessionId: session.id,
      role: member.role,
      channelId: session.channel_id,
      storeUrl: session.store_url,
    },
  };
}
