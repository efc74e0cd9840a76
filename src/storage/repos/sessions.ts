import type { Selectable } from 'kysely';
import { randomHexToken, sha256Hex } from '../../lib/crypto.js';
import { newId } from '../../lib/ids.js';
import type { DB } from '../db.js';
import type { SessionsTable } from '../schema.js';

export type SessionRow = Selectable<SessionsTable>;

export interface CreatedSession {
  session: SessionRow;
  /** The sc_session cookie value (256 random bits); only its SHA-256 is stored. */
  token: string;
}

export async function createSession(
  db: DB,
  input: { userId: string; orgId: string | null; now: number; maxAgeMs: number },
): Promise<CreatedSession> {
  const token = randomHexToken(32);
  const session: SessionRow = {
    id: newId('ses', input.now),
    token_hash: sha256Hex(token),
    user_id: input.userId,
    current_org_id: input.orgId,
    created_at: input.now,
    last_seen_at: input.now,
    expires_at: input.now + input.maxAgeMs,
    revoked_at: null,
  };
  await db.insertInto('sessions').values(session).execute();
  return { session, token };
}

export async function getSession(db: DB, sessionId: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
}

export async function revokeSession(db: DB, sessionId: string, now: number): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Revokes the session a cookie value names, if any (a new login replaces the browser's old session). */
export async function revokeSessionByToken(db: DB, token: string, now: number): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('token_hash', '=', sha256Hex(token))
    .where('revoked_at', 'is', null)
    .execute();
}

export async function setSessionOrg(db: DB, sessionId: string, orgId: string | null): Promise<void> {
  await db.updateTable('sessions').set({ current_org_id: orgId }).where('id', '=', sessionId).execute();
}

/** A session with its user's email, by the SHA-256 of its cookie token (liveness is the caller's call). */
export async function findSessionByTokenHash(
  db: DB,
  tokenHash: string,
): Promise<
  | (Pick<SessionRow, 'id' | 'user_id' | 'current_org_id' | 'last_seen_at' | 'expires_at' | 'revoked_at'> & {
      email: string;
    })
  | undefined
> {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id',
      'sessions.user_id',
      'sessions.current_org_id',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'sessions.revoked_at',
      'users.email',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function touchSession(db: DB, sessionId: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', sessionId).execute();
}
