import type { Selectable } from 'kysely';
import { newId } from '../../lib/ids.js';
import type { DB } from '../db.js';
import type { UsersTable } from '../schema.js';

export type User = Selectable<UsersTable>;

/** Addresses are compared case-insensitively: stored and looked up lower case, trimmed. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function getUser(db: DB, userId: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
}

export async function findUserByEmail(db: DB, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
}

/**
 * The user with this address, created on first login. Insert-or-ignore then read, so two logins racing for a
 * new address end up with the same user instead of a unique-constraint error.
 */
export async function getOrCreateUser(
  db: DB,
  email: string,
  now: number,
): Promise<{ user: User; created: boolean }> {
  const address = normalizeEmail(email);
  const id = newId('usr', now);
  await db
    .insertInto('users')
    .values({ id, email: address, created_at: now, last_login_at: null })
    .onConflict((oc) => oc.column('email').doNothing())
    .execute();
  const user = await db
    .selectFrom('users')
    .selectAll()
    .where('email', '=', address)
    .executeTakeFirstOrThrow();
  return { user, created: user.id === id };
}

export async function recordLogin(db: DB, userId: string, now: number): Promise<void> {
  await db.updateTable('users').set({ last_login_at: now }).where('id', '=', userId).execute();
}

/** Serializes one user's rate-limited actions (invites): a row lock on PostgreSQL (SQLite transactions are serial). */
export async function lockUserRow(db: DB, userId: string): Promise<void> {
  await db.selectFrom('users').select('id').where('id', '=', userId).forUpdate().executeTakeFirst();
}
