/**
 * Publishable pixel keys: `pk_` + 32 base64url characters (24 random bytes), one domain each. A `pk_` key
 * sits in page source, so it only lets a browser on one of the domain's origins send events; it is still
 * stored hashed, and shown in full once, when created (`POST /v1/domains/:id/pixel-keys`, `tagbridge pk
 * create`).
 *
 * The collect endpoint authenticates every request with a key, so lookups are cached per process
 * (`PixelKeyCache`): a revocation drops the org's keys on every node through the cache bus
 * (src/lib/cache-bus.ts: at once here, within milliseconds elsewhere with REDIS_URL); the cache's TTL (5 s,
 * like the domain cache) bounds a missed message.
 */
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { sha256Hex } from '../lib/crypto.js';
import { newId } from '../lib/ids.js';
import type { DB } from '../storage/db.js';
import { type Actor, auditBy } from '../storage/repos/audit-log.js';
import { getLiveDomain } from '../storage/repos/domain-admin.js';
import { getDomainById } from '../storage/repos/domains.js';
import {
  findPixelKeyByHash,
  getPixelKey,
  insertPixelKey,
  listPixelKeys as listRows,
  type PixelKeyLookup,
  revokePixelKey as revokeRow,
  touchPixelKey,
} from '../storage/repos/pixel-keys.js';
import type { Domain, PixelKeyRow } from '../storage/schema.js';
import { pixelSnippet } from './snippet.js';

export const PIXEL_KEY_PREFIX = 'pk_';
const KEY_PATTERN = /^pk_[A-Za-z0-9_-]{32}$/;
const DEFAULT_NAME = 'Website pixel';

/** A new key: 24 random bytes are exactly 32 base64url characters (192 bits). */
export function generatePixelKey(): string {
  return `${PIXEL_KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
}

export function isWellFormedPixelKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export function pixelKeyHash(key: string): string {
  return sha256Hex(key);
}

/** `pk_abcd…wxyz`: enough to tell keys apart in a list, far too little to use. */
export function pixelKeyPreview(key: string): string {
  const body = key.slice(PIXEL_KEY_PREFIX.length);
  return `${PIXEL_KEY_PREFIX}${body.slice(0, 4)}…${body.slice(-4)}`;
}

export type PixelKeyStatus = 'active' | 'revoked';

export interface PixelKeyView {
  id: string;
  name: string;
  keyPreview: string;
  domainId: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  status: PixelKeyStatus;
}

export function pixelKeyView(row: PixelKeyRow): PixelKeyView {
  return {
    id: row.id,
    name: row.name,
    keyPreview: row.key_preview,
    domainId: row.domain_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    status: row.revoked_at === null ? 'active' : 'revoked',
  };
}

type KeyDeps = Pick<AppDeps, 'storage' | 'clock'> & Partial<Pick<AppDeps, 'caches'>>;

/**
 * The domain a key is made for or listed under: one of the org's live domains, or for the operator
 * (`orgId` null) any live domain. Anything else is not_found.
 */
async function liveDomain(db: DB, orgId: string | null, domainId: string): Promise<Domain> {
  const domain =
    orgId === null
      ? await getDomainById(db, domainId).then((d) => (d && d.status !== 'deleted' ? d : undefined))
      : await getLiveDomain(db, orgId, domainId);
  if (!domain) throw new ApiError('not_found', `No domain ${domainId}`, { id: domainId });
  return domain;
}

export interface CreatedPixelKey {
  /** The key in clear: shown this once. */
  key: string;
  pixelKey: PixelKeyView;
  /** The `<script>` tags to paste into the shop's pages. */
  snippet: string;
}

export async function createPixelKey(
  deps: KeyDeps,
  actor: Actor,
  input: { orgId: string | null; domainId: string; name?: string | undefined },
): Promise<CreatedPixelKey> {
  const name = (input.name ?? DEFAULT_NAME).trim();
  if (name === '' || name.length > 100) {
    throw new ApiError('validation_failed', 'name must be 1 to 100 characters', { field: 'name' });
  }
  const now = deps.clock.now();
  const key = generatePixelKey();
  return deps.storage.db.transaction().execute(async (trx) => {
    const domain = await liveDomain(trx, input.orgId, input.domainId);
    const row: PixelKeyRow = {
      id: newId('pxk', now),
      org_id: domain.org_id,
      domain_id: domain.id,
      name,
      key_hash: pixelKeyHash(key),
      key_preview: pixelKeyPreview(key),
      created_by: actor.id,
      created_at: now,
      last_used_at: null,
      revoked_at: null,
    };
    await insertPixelKey(trx, row);
    await auditBy(trx, actor, {
      orgId: domain.org_id,
      action: 'pixel_key.create',
      targetType: 'pixel_key',
      targetId: row.id,
      details: { name, keyPreview: row.key_preview, domainId: domain.id },
      at: now,
    });
    return { key, pixelKey: pixelKeyView(row), snippet: pixelSnippet(domain.host, key) };
  });
}

export async function listPixelKeys(
  deps: Pick<AppDeps, 'storage'>,
  input: { orgId: string | null; domainId: string },
): Promise<PixelKeyView[]> {
  const { db } = deps.storage;
  const domain = await liveDomain(db, input.orgId, input.domainId);
  return (await listRows(db, domain.org_id, domain.id)).map(pixelKeyView);
}

/**
 * Revokes a key (of `domainId` when given: the management route names both). Revoking twice keeps the
 * first time and audits once. This process's cache forgets the key at once.
 */
export async function revokePixelKey(
  deps: KeyDeps,
  actor: Actor,
  input: { orgId: string | null; id: string; domainId?: string | undefined },
): Promise<PixelKeyView> {
  const { db } = deps.storage;
  const now = deps.clock.now();
  const revoked = await db.transaction().execute(async (trx) => {
    if (input.domainId !== undefined) await liveDomain(trx, input.orgId, input.domainId);
    const existing = await getPixelKey(trx, input.orgId, input.id);
    if (!existing) return undefined;
    if (input.domainId !== undefined && existing.domain_id !== input.domainId) return undefined;
    if (existing.revoked_at === null) {
      await revokeRow(trx, existing.org_id, existing.id, now);
      await auditBy(trx, actor, {
        orgId: existing.org_id,
        action: 'pixel_key.revoke',
        targetType: 'pixel_key',
        targetId: existing.id,
        details: { name: existing.name, keyPreview: existing.key_preview, domainId: existing.domain_id },
        at: now,
      });
    }
    return getPixelKey(trx, existing.org_id, existing.id);
  });
  if (!revoked) throw new ApiError('not_found', `No pixel key ${input.id}`, { id: input.id });
  pixelKeyCache(db, deps.clock).forget(revoked.key_hash);
  await deps.caches?.orgChanged(revoked.org_id);
  return pixelKeyView(revoked);
}

/** What the collect endpoint needs to know about a key, cached. */
export type PixelKeyAuth = PixelKeyLookup;

const CACHE_TTL_MS = 5_000;
const CACHE_MAX_ENTRIES = 10_000;
/** `last_used_at` is a hint for people ("used today"), not an audit trail: one write a minute per key. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * key hash → key (or null: no such key), for CACHE_TTL_MS, at most CACHE_MAX_ENTRIES (least recently
 * used first out: a Map keeps insertion order, and a hit re-inserts). Unknown keys are cached too, so
 * guessing costs no query per request; the per-IP limit runs before any lookup.
 */
export class PixelKeyCache {
  // lru-cache stores objects only: an unknown key is kept as { value: null } (a negative entry).
  private readonly entries: LRUCache<string, { value: PixelKeyAuth | null }>;
  /** key id → when this process last wrote `last_used_at` (bounded like `entries`). */
  private readonly touched: LRUCache<string, { at: number }>;
  /** Bumped by every drop: a lookup that started before it must not store what it read. */
  private generation = 0;

  constructor(
    private readonly db: DB,
    private readonly clock: Clock,
    ttlMs = CACHE_TTL_MS,
    maxEntries = CACHE_MAX_ENTRIES,
  ) {
    // The project's clock, so tests drive expiry; checked on every read (no timer per entry).
    this.entries = new LRUCache({
      max: maxEntries,
      ttl: ttlMs,
      perf: { now: () => clock.now() },
      ttlResolution: 0,
    });
    this.touched = new LRUCache({ max: maxEntries });
  }

  /** The key with this cleartext value, or null. */
  async lookup(key: string): Promise<PixelKeyAuth | null> {
    if (!isWellFormedPixelKey(key)) return null;
    const hash = pixelKeyHash(key);
    const cached = this.entries.get(hash);
    if (cached) return cached.value;
    const generation = this.generation;
    const value = (await findPixelKeyByHash(this.db, hash)) ?? null;
    if (generation === this.generation) this.entries.set(hash, { value });
    return value;
  }

  /** The cached answer for `key` if fresh, without a query (undefined: not cached). */
  peek(key: string): PixelKeyAuth | null | undefined {
    if (!isWellFormedPixelKey(key)) return null;
    return this.entries.peek(pixelKeyHash(key))?.value;
  }

  forget(keyHash: string): void {
    this.generation += 1;
    this.entries.delete(keyHash);
  }

  /** The cache bus's drop: the org's keys and every unknown key, or everything (`null`). */
  drop(orgId: string | null): void {
    this.generation += 1;
    if (orgId === null) {
      this.entries.clear();
      return;
    }
    const stale: string[] = [];
    for (const [hash, entry] of this.entries.entries()) {
      if (entry.value === null || entry.value.orgId === orgId) stale.push(hash);
    }
    for (const hash of stale) this.entries.delete(hash);
  }

  /** Records that the key was used, at most once a minute per key and process (and once across nodes). */
  async touch(keyId: string): Promise<void> {
    const now = this.clock.now();
    const last = this.touched.get(keyId);
    if (last !== undefined && now - last.at < TOUCH_INTERVAL_MS) return;
    this.touched.set(keyId, { at: now });
    await touchPixelKey(this.db, keyId, now, TOUCH_INTERVAL_MS);
  }
}

/**
 * One cache per database handle, i.e. per process (and per test service): the routes, the CLI and the
 * revocation all reach it from the deps they already have.
 */
const caches = new WeakMap<DB, PixelKeyCache>();

export function pixelKeyCache(db: DB, clock: Clock): PixelKeyCache {
  let cache = caches.get(db);
  if (!cache) {
    cache = new PixelKeyCache(db, clock);
    caches.set(db, cache);
  }
  return cache;
}
