/**
 * API keys: created for an org (optionally one domain), stored only as a SHA-256 with a display prefix.
 * Authentication looks the key up on every request, so a revocation holds on every node at once.
 */
import type { Selectable } from 'kysely';
import { newId } from '../../lib/ids.js';
import type { DB } from '../db.js';
import type { ApiKeysTable } from '../schema.js';

export type ApiKeyRow = Selectable<ApiKeysTable>;

export interface ApiKeyView {
  id: string;
  orgId: string;
  domainId: string | null;
  name: string;
  prefix: string;
  /** As stored; the public API ignores names it does not know. */
  scopes: string[];
  createdAt: number;
  createdBy: string | null;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

export function apiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    orgId: row.org_id,
    domainId: row.domain_id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes.split(',').filter(Boolean),
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

export function apiKeyStatus(key: ApiKeyView, now: number): 'active' | 'revoked' | 'expired' {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return 'active';
}

export interface CreateApiKeyInput {
  orgId: string;
  domainId: string | null;
  name: string;
  /** SHA-256 hex of the key and its display prefix: the key itself never reaches the database. */
  keyHash: string;
  prefix: string;
  scopes: readonly string[];
  createdBy: string | null;
  expiresAt: number | null;
  now: number;
}

export async function insertApiKey(db: DB, input: CreateApiKeyInput): Promise<ApiKeyView> {
  const row: ApiKeyRow = {
    id: newId('key', input.now),
    org_id: input.orgId,
    domain_id: input.domainId,
    name: input.name,
    prefix: input.prefix,
    key_hash: input.keyHash,
    scopes: input.scopes.join(','),
    created_at: input.now,
    created_by: input.createdBy,
    last_used_at: null,
    expires_at: input.expiresAt,
    revoked_at: null,
  };
  await db.insertInto('api_keys').values(row).execute();
  return apiKeyView(row);
}

export async function listApiKeys(db: DB, orgId: string): Promise<ApiKeyView[]> {
  const rows = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(apiKeyView);
}

/** An org's key; `orgId` null is the operator (CLI) looking across orgs. */
export async function getApiKey(db: DB, orgId: string | null, id: string): Promise<ApiKeyView | undefined> {
  let query = db.selectFrom('api_keys').selectAll().where('id', '=', id);
  if (orgId !== null) query = query.where('org_id', '=', orgId);
  const row = await query.executeTakeFirst();
  return row ? apiKeyView(row) : undefined;
}

/** Revokes a key (a second revocation keeps the first time). Undefined when there is no such key. */
export async function revokeApiKey(
  db: DB,
  orgId: string | null,
  id: string,
  now: number,
): Promise<ApiKeyView | undefined> {
  let update = db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id);
  if (orgId !== null) update = update.where('org_id', '=', orgId);
  await update.where('revoked_at', 'is', null).execute();
  return getApiKey(db, orgId, id);
}

export interface ApiKeyLookup {
  key: ApiKeyView;
  org: { id: string; plan: string; subscriptionStatus: string };
}

/** The key with this hash and its org, whatever its state (the caller decides what revoked/expired mean). */
export async function findApiKeyByHash(db: DB, keyHash: string): Promise<ApiKeyLookup | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .innerJoin('orgs', 'orgs.id', 'api_keys.org_id')
    .selectAll('api_keys')
    .select(['orgs.plan as org_plan', 'orgs.subscription_status as org_subscription_status'])
    .where('api_keys.key_hash', '=', keyHash)
    .executeTakeFirst();
  if (!row) return undefined;
  const { org_plan, org_subscription_status, ...key } = row;
  return {
    key: apiKeyView(key),
    org: { id: key.org_id, plan: org_plan, subscriptionStatus: org_subscription_status },
  };
}

/** Records use; the conditional update keeps concurrent requests from writing the same minute twice. */
export async function touchApiKey(db: DB, id: string, now: number, throttleMs: number): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', now - throttleMs)]))
    .execute();
}
