import type { Selectable } from 'kysely';
import { randomHexToken, sha256Hex } from '../../lib/crypto.js';
import { newId } from '../../lib/ids.js';
import type { DB } from '../db.js';
import type { LoginTokensTable, Role } from '../schema.js';

export type LoginTokenRow = Selectable<LoginTokensTable>;

export type LoginTokenPurpose = 'login' | 'invite';

export interface IssuedLoginToken {
  row: LoginTokenRow;
  /** The secret in the magic link (256 random bits as hex); only its SHA-256 is stored. */
  token: string;
}

/**
 * Issues a magic-link token. Older unused links of the same kind for the same address (and, for invites,
 * the same org) stop working: whoever asks again has lost or distrusts the older mail. A login link never
 * voids an invite, which would lose the membership it carries.
 */
export async function issueLoginToken(
  db: DB,
  input: {
    email: string;
    purpose: LoginTokenPurpose;
    orgId?: string | null;
    role?: Role | null;
    invitedBy?: string | null;
    redirect?: string | null;
    now: number;
    ttlMs: number;
  },
): Promise<IssuedLoginToken> {
  const orgId = input.orgId ?? null;
  let older = db
    .updateTable('login_tokens')
    .set({ expires_at: input.now })
    .where('email', '=', input.email)
    .where('purpose', '=', input.purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', input.now);
  older = orgId === null ? older.where('org_id', 'is', null) : older.where('org_id', '=', orgId);
  await older.execute();

  const token = randomHexToken(32);
  const row: LoginTokenRow = {
    id: newId('lgt', input.now),
    token_hash: sha256Hex(token),
    email: input.email,
    purpose: input.purpose,
    org_id: orgId,
    role: input.role ?? null,
    invited_by: input.invitedBy ?? null,
    redirect: input.redirect ?? null,
    created_at: input.now,
    expires_at: input.now + input.ttlMs,
    used_at: null,
  };
  await db.insertInto('login_tokens').values(row).execute();
  return { row, token };
}

export type LoginTokenProblem = 'unknown' | 'used' | 'expired';

export type LoginTokenLookup = { ok: true; row: LoginTokenRow } | { ok: false; problem: LoginTokenProblem };

function classify(row: LoginTokenRow | undefined, now: number): LoginTokenLookup {
  if (!row) return { ok: false, problem: 'unknown' };
  if (row.used_at !== null) return { ok: false, problem: 'used' };
  if (row.expires_at <= now) return { ok: false, problem: 'expired' };
  return { ok: true, row };
}

async function findByToken(db: DB, token: string): Promise<LoginTokenRow | undefined> {
  return db
    .selectFrom('login_tokens')
    .selectAll()
    .where('token_hash', '=', sha256Hex(token))
    .executeTakeFirst();
}

/** Looks a token up without using it (the confirm page a mail scanner may fetch). */
export async function peekLoginToken(db: DB, token: string, now: number): Promise<LoginTokenLookup> {
  return classify(await findByToken(db, token), now);
}

/**
 * Uses a token once. The conditional update is the single-use guarantee: of two concurrent requests with
 * the same token, only one changes the row.
 */
export async function consumeLoginToken(db: DB, token: string, now: number): Promise<LoginTokenLookup> {
  const result = await db
    .updateTable('login_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', sha256Hex(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  const row = await findByToken(db, token);
  if (Number(result.numUpdatedRows) === 1 && row) return { ok: true, row };
  return classify(row, now);
}

/** Invites to an org that are still open (not used, not expired). */
export async function listOpenInvites(db: DB, orgId: string, now: number): Promise<LoginTokenRow[]> {
  return db
    .selectFrom('login_tokens')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('purpose', '=', 'invite')
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
}
