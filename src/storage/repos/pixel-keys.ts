/**
 * Publishable `pk_…` keys (migration 0011): one domain each, stored only as a SHA-256 with a preview. The
 * collect endpoint looks a key up by its hash (src/pixel/keys.ts caches the answer briefly per process).
 */
import type { DB } from '../db.js';
import type { PixelKeyRow } from '../schema.js';

export async function insertPixelKey(db: DB, row: PixelKeyRow): Promise<void> {
  await db.insertInto('pixel_keys').values(row).execute();
}

/** A domain's keys, newest first. */
export async function listPixelKeys(db: DB, orgId: string, domainId: string): Promise<PixelKeyRow[]> {
  return db
    .selectFrom('pixel_keys')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('domain_id', '=', domainId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** A key by id; `orgId` null is the operator (CLI) looking across orgs. */
export async function getPixelKey(
  db: DB,
  orgId: string | null,
  id: string,
): Promise<PixelKeyRow | undefined> {
  let query = db.selectFrom('pixel_keys').selectAll().where('id', '=', id);
  if (orgId !== null) query = query.where('org_id', '=', orgId);
  return query.executeTakeFirst();
}

/** Revokes a key; a second revocation keeps the first time. */
export async function revokePixelKey(db: DB, orgId: string, id: string, now: number): Promise<void> {
  await db
    .updateTable('pixel_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is', null)
    .execute();
}

export interface PixelKeyLookup {
  id: string;
  orgId: string;
  domainId: string;
  /** The key's domain's proxy host (the domain context is cached by host), null once the domain is deleted. */
  host: string | null;
  revoked: boolean;
}

/** The key with this hash and its domain's host, whatever its state. */
export async function findPixelKeyByHash(db: DB, keyHash: string): Promise<PixelKeyLookup | undefined> {
  const row = await db
    .selectFrom('pixel_keys')
    .innerJoin('domains', 'domains.id', 'pixel_keys.domain_id')
    .select([
      'pixel_keys.id',
      'pixel_keys.org_id',
      'pixel_keys.domain_id',
      'pixel_keys.revoked_at',
      'domains.host',
      'domains.status',
    ])
    .where('pixel_keys.key_hash', '=', keyHash)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    orgId: row.org_id,
    domainId: row.domain_id,
    host: row.status === 'deleted' ? null : row.host,
    revoked: row.revoked_at !== null,
  };
}

/** Records use; the condition keeps several nodes from writing the same minute twice. */
export async function touchPixelKey(db: DB, id: string, now: number, throttleMs: number): Promise<void> {
  await db
    .updateTable('pixel_keys')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', now - throttleMs)]))
    .execute();
}
