/**
 * Stored results of requests made with an Idempotency-Key. A key is claimed by inserting a `running` row
 * (the primary key makes concurrent claims exclusive on both dialects); the claimant stores the response,
 * or deletes the row when the request failed in a way worth retrying.
 */
import type { Selectable } from 'kysely';
import type { DB } from '../db.js';
import type { IdempotencyKeysTable } from '../schema.js';

export type IdempotencyRow = Selectable<IdempotencyKeysTable>;

export interface ClaimInput {
  scope: string;
  key: string;
  orgId: string | null;
  method: string;
  path: string;
  requestHash: string;
  now: number;
  /** How long a running claim holds before another request may take it over (crashed node). */
  lockMs: number;
  /** How long a result is kept for replay. */
  ttlMs: number;
}

export type ClaimResult = { claimed: true } | { claimed: false; row: IdempotencyRow };

export async function claimIdempotencyKey(db: DB, input: ClaimInput): Promise<ClaimResult> {
  const fresh = {
    org_id: input.orgId,
    method: input.method,
    path: input.path,
    request_hash: input.requestHash,
    status: 'running',
    response_status: null,
    response_body: null,
    created_at: input.now,
    locked_until: input.now + input.lockMs,
    expires_at: input.now + input.ttlMs,
  };
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({ scope: input.scope, idem_key: input.key, ...fresh })
    .onConflict((oc) => oc.columns(['scope', 'idem_key']).doNothing())
    .returning('scope')
    .executeTakeFirst();
  if (inserted) return { claimed: true };

  // An expired result, or a claim abandoned by a crashed request, is taken over in one conditional update.
  const taken = await db
    .updateTable('idempotency_keys')
    .set(fresh)
    .where('scope', '=', input.scope)
    .where('idem_key', '=', input.key)
    .where((eb) =>
      eb.or([
        eb('expires_at', '<=', input.now),
        eb.and([eb('status', '=', 'running'), eb('locked_until', '<=', input.now)]),
      ]),
    )
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) > 0) return { claimed: true };

  const row = await getIdempotencyKey(db, input.scope, input.key);
  // Deleted between our insert and select (the first request failed): the caller simply tries again.
  if (!row) return claimIdempotencyKey(db, input);
  return { claimed: false, row };
}

export async function getIdempotencyKey(
  db: DB,
  scope: string,
  key: string,
): Promise<IdempotencyRow | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('scope', '=', scope)
    .where('idem_key', '=', key)
    .executeTakeFirst();
}

export async function completeIdempotencyKey(
  db: DB,
  input: { scope: string; key: string; requestHash: string; status: number; body: string },
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ status: 'completed', response_status: input.status, response_body: input.body })
    .where('scope', '=', input.scope)
    .where('idem_key', '=', input.key)
    .where('request_hash', '=', input.requestHash)
    .where('status', '=', 'running')
    .execute();
}

/** Gives a claim up (the request failed with 5xx or 429): a retry with the same key does the work. */
export async function releaseIdempotencyKey(
  db: DB,
  input: { scope: string; key: string; requestHash: string },
): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('scope', '=', input.scope)
    .where('idem_key', '=', input.key)
    .where('request_hash', '=', input.requestHash)
    .where('status', '=', 'running')
    .execute();
}

export async function purgeExpiredIdempotencyKeys(db: DB, now: number): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).execute();
}

/** Forgets a stored result (it can no longer be opened: its encryption key was dropped). */
export async function deleteIdempotencyKey(db: DB, scope: string, key: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('idem_key', '=', key).execute();
}
