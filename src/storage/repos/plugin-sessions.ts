/**
 * Plugin sign-in rows: the revocable sessions behind plugin JWTs, and the pending requests of plugins
 * that asked for an existing account (waiting for the owner's confirmation by mail). Every secret the
 * plugin or the owner holds (refresh token, poll handle, confirm link) is stored as its SHA-256 only.
 */
import type { Selectable } from 'kysely';
import type { DB } from '../db.js';
import type { PluginRegistrationsTable, PluginSessionsTable } from '../schema.js';

export type PluginSessionRow = Selectable<PluginSessionsTable>;
export type PluginRegistrationRow = Selectable<PluginRegistrationsTable>;

export async function insertPluginSession(db: DB, row: PluginSessionRow): Promise<void> {
  await db.insertInto('plugin_sessions').values(row).execute();
}

export async function getPluginSession(db: DB, id: string): Promise<PluginSessionRow | undefined> {
  return db.selectFrom('plugin_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPluginSessionByRefreshHash(
  db: DB,
  hash: string,
): Promise<PluginSessionRow | undefined> {
  return db.selectFrom('plugin_sessions').selectAll().where('refresh_hash', '=', hash).executeTakeFirst();
}

/**
 * Swaps the refresh token of a live session: only when `oldHash` is still the current one, so two refreshes
 * racing with the same token cannot both succeed. True when it swapped.
 */
export async function rotatePluginRefresh(
  db: DB,
  input: { id: string; oldHash: string; newHash: string; now: number; expiresAt: number },
): Promise<boolean> {
  const result = await db
    .updateTable('plugin_sessions')
    .set({ refresh_hash: input.newHash, last_used_at: input.now, expires_at: input.expiresAt })
    .where('id', '=', input.id)
    .where('refresh_hash', '=', input.oldHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function touchPluginSession(db: DB, id: string, now: number): Promise<void> {
  await db.updateTable('plugin_sessions').set({ last_used_at: now }).where('id', '=', id).execute();
}

export async function bindPluginSessionToChannel(
  db: DB,
  input: { id: string; channelId: string; storeUrl: string },
): Promise<void> {
  await db
    .updateTable('plugin_sessions')
    .set({ channel_id: input.channelId, store_url: input.storeUrl })
    .where('id', '=', input.id)
    .execute();
}

/** Revokes one session; the number revoked (0 when it already was). */
export async function revokePluginSession(db: DB, id: string, now: number): Promise<number> {
  const result = await db
    .updateTable('plugin_sessions')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Revokes every live plugin session of `userId` in `orgId`; the number revoked. */
export async function revokeUserPluginSessions(
  db: DB,
  input: { userId: string; orgId: string; now: number },
): Promise<number> {
  const result = await db
    .updateTable('plugin_sessions')
    .set({ revoked_at: input.now })
    .where('user_id', '=', input.userId)
    .where('org_id', '=', input.orgId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Revokes every live plugin session bound to a channel (it was disconnected); the number revoked. */
export async function revokeChannelPluginSessions(
  db: DB,
  input: { orgId: string; channelId: string; now: number },
): Promise<number> {
  const result = await db
    .updateTable('plugin_sessions')
    .set({ revoked_at: input.now })
    .where('org_id', '=', input.orgId)
    .where('channel_id', '=', input.channelId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The newest use of any plugin session of the org (for "last activity"). */
export async function lastPluginUse(db: DB, orgId: string): Promise<number | null> {
  const row = await db
    .selectFrom('plugin_sessions')
    .select((eb) => eb.fn.max('last_used_at').as('at'))
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}

export async function insertPluginRegistration(db: DB, row: PluginRegistrationRow): Promise<void> {
  await db.insertInto('plugin_registrations').values(row).execute();
}

export async function findRegistrationByPollHash(
  db: DB,
  hash: string,
): Promise<PluginRegistrationRow | undefined> {
  return db.selectFrom('plugin_registrations').selectAll().where('poll_hash', '=', hash).executeTakeFirst();
}

export async function findRegistrationByConfirmHash(
  db: DB,
  hash: string,
): Promise<PluginRegistrationRow | undefined> {
  return db
    .selectFrom('plugin_registrations')
    .selectAll()
    .where('confirm_hash', '=', hash)
    .executeTakeFirst();
}

/** Moves a registration from `from` to `to` (compare-and-set: the single-use step); true when it moved. */
export async function moveRegistration(
  db: DB,
  input: {
    id: string;
    from: string;
    to: string;
    confirmedAt?: number;
    sessionId?: string;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('plugin_registrations')
    .set({
      status: input.to,
      ...(input.confirmedAt !== undefined ? { confirmed_at: input.confirmedAt } : {}),
      ...(input.sessionId !== undefined ? { session_id: input.sessionId } : {}),
    })
    .where('id', '=', input.id)
    .where('status', '=', input.from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
