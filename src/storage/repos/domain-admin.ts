/**
 * The SQL behind the domains API and the plugin sync: listing live domains of an org, soft deletion,
 * DNS verification and sync-token state, the atomic replacement of a domain's destinations, and the
 * per-destination delivery statistics. Every function that takes an orgId scopes its query by it.
 */
import { sql } from 'kysely';
import { randomHexToken, type Sealer, sha256Hex } from '../../lib/crypto.js';
import { newId } from '../../lib/ids.js';
import type { DB, Dialect } from '../db.js';
import { hourOf } from '../delivery-counts.js';
import type { DestinationRow, Domain } from '../schema.js';
import { COUNTED_COLUMNS, countMoves, erasePersonalData, PENDING } from './deliveries.js';
import { saveDestination } from './destinations.js';

export const ROUTING_STATUSES = ['active', 'pending_dns', 'disabled', 'deleted'] as const;
export type RoutingStatus = (typeof ROUTING_STATUSES)[number];

/** The org's domains that are not deleted, oldest first. */
export async function listLiveDomains(db: DB, orgId: string): Promise<Domain[]> {
  return db
    .selectFrom('domains')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('status', '!=', 'deleted')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** One of the org's domains, unless deleted: another org's id and a deleted domain are both "not found". */
export async function getLiveDomain(db: DB, orgId: string, domainId: string): Promise<Domain | undefined> {
  return db
    .selectFrom('domains')
    .selectAll()
    .where('id', '=', domainId)
    .where('org_id', '=', orgId)
    .where('status', '!=', 'deleted')
    .executeTakeFirst();
}

export async function findDomainIdByHost(db: DB, host: string): Promise<string | undefined> {
  const row = await db.selectFrom('domains').select('id').where('host', '=', host).executeTakeFirst();
  return row?.id;
}

/** What delivery reads of a domain: the country for national phone numbers, the shop URL for a page URL. */
export type DomainDeliveryDefaults = Pick<Domain, 'default_country' | 'shop_url'>;

export async function domainDeliveryDefaults(
  db: DB,
  domainId: string,
): Promise<DomainDeliveryDefaults | undefined> {
  return db
    .selectFrom('domains')
    .select(['default_country', 'shop_url'])
    .where('id', '=', domainId)
    .executeTakeFirst();
}

/** The domain a sync token belongs to (deleted ones included: the plugin is told `routing_status: deleted`). */
export async function findDomainBySyncToken(db: DB, token: string): Promise<Domain | undefined> {
  return db
    .selectFrom('domains')
    .selectAll()
    .where('sync_token_hash', '=', sha256Hex(token))
    .executeTakeFirst();
}

/** A new sync token: the old one stops working with this statement. Returns the token (shown once). */
export async function regenerateSyncToken(
  db: DB,
  orgId: string,
  domainId: string,
  now: number,
): Promise<string> {
  const token = randomHexToken(32);
  await db
    .updateTable('domains')
    .set({ sync_token_hash: sha256Hex(token), updated_at: now })
    .where('id', '=', domainId)
    .where('org_id', '=', orgId)
    .execute();
  return token;
}

/** The TXT value for `_tagbridge.<host>`; domains created before it existed get one on first use. */
export async function ensureVerificationToken(db: DB, domain: Domain): Promise<string> {
  if (domain.verification_token) return domain.verification_token;
  const token = randomHexToken(16);
  await db
    .updateTable('domains')
    .set({ verification_token: token })
    .where('id', '=', domain.id)
    .where('verification_token', 'is', null)
    .execute();
  const row = await db
    .selectFrom('domains')
    .select('verification_token')
    .where('id', '=', domain.id)
    .executeTakeFirst();
  return row?.verification_token ?? token;
}

/** DNS points at us: record it, and route a pending domain (a disabled one stays disabled). */
export async function markDomainVerified(db: DB, domainId: string, now: number): Promise<void> {
  await db
    .updateTable('domains')
    .set({
      verified_at: now,
      updated_at: now,
      status: sql<string>`case when status = 'pending_dns' then 'active' else status end`,
    })
    .where('id', '=', domainId)
    .execute();
}

export async function setConfigStatus(
  db: DB,
  domainId: string,
  configStatus: 'synced' | 'waiting_config' | 'sync_error',
  now: number,
): Promise<void> {
  await db
    .updateTable('domains')
    .set({ config_status: configStatus, last_synced_at: now, updated_at: now })
    .where('id', '=', domainId)
    .execute();
}

/**
 * Ends the pending deliveries of destinations that are going away (domain deleted, destination no longer
 * synced): failed with `reason` in their trace, and the personal data of events left with nothing pending
 * is erased. Deliveries a worker holds a lease on are left to it (or to the retry horizon).
 */
export async function retireDestinations(
  db: DB,
  destinationIds: string[],
  reason: string,
  now: number,
): Promise<number> {
  if (destinationIds.length === 0) return 0;
  let closed = 0;
  for (;;) {
    const rows = await db
      .selectFrom('deliveries')
      .select(['id', 'event_pk', 'attempts'])
      .where('destination_id', 'in', destinationIds)
      .where('status', '=', PENDING)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
      .limit(500)
      .execute();
    if (rows.length === 0) break;
    const ids = rows.map((r) => r.id);
    const retired = await db
      .updateTable('deliveries')
      .set({
        status: 'failed',
        last_error: reason,
        final_at: now,
        updated_at: now,
        lease_owner: null,
        lease_expires_at: null,
      })
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .returning(COUNTED_COLUMNS)
      .execute();
    await countMoves(db, retired, 'pending');
    await db
      .insertInto('delivery_attempts')
      .values(
        rows.map((r) => ({
          id: newId('att', now),
          delivery_id: r.id,
          attempt: r.attempts,
          at: now,
          status_code: null,
          outcome: 'rejected',
          message: reason,
        })),
      )
      .execute();
    await erasePersonalData(db, [...new Set(rows.map((r) => r.event_pk))], now);
    closed += rows.length;
  }
  return closed;
}

/**
 * Soft deletion (run it inside a transaction, with the audit entry): destinations (and their sealed
 * credentials) and the shop callback are removed, pending deliveries end, the proxy token stops matching,
 * and the host becomes a tombstone so it can be added again. The row stays so the sync token can answer `routing_status: deleted` and the event
 * log keeps showing the host of past events.
 */
export async function softDeleteDomain(
  db: DB,
  domain: Domain,
  now: number,
): Promise<{ destinationsRemoved: number; deliveriesClosed: number }> {
  const destinations = await db
    .selectFrom('destinations')
    .select('id')
    .where('domain_id', '=', domain.id)
    .execute();
  const ids = destinations.map((d) => d.id);
  const deliveriesClosed = await retireDestinations(db, ids, 'domain deleted', now);
  await db.deleteFrom('destinations').where('domain_id', '=', domain.id).execute();
  await db.deleteFrom('domain_callbacks').where('domain_id', '=', domain.id).execute();
  // Its dedup keys (hashes that name no domain: dedup-key.ts) are left to expire with their window; a
  // deleted domain receives no events, so none of them can match again.
  await db
    .updateTable('domains')
    .set({
      status: 'deleted',
      deleted_at: now,
      deleted_host: domain.host,
      // `.invalid` never resolves (RFC 2606), and the id keeps the tombstone unique.
      host: `${domain.id.replaceAll('_', '-')}.deleted.invalid`,
      proxy_token_hash: sha256Hex(randomHexToken(32)),
      updated_at: now,
    })
    .where('id', '=', domain.id)
    .execute();
  return { destinationsRemoved: ids.length, deliveriesClosed };
}

/**
 * Serializes configuration writes to one domain on PostgreSQL (two syncs at once would both insert the same
 * destination type); SQLite runs one write transaction at a time anyway. Call first inside the transaction.
 */
export async function lockDomain(db: DB, dialect: Dialect, domainId: string): Promise<Domain | undefined> {
  let query = db.selectFrom('domains').selectAll().where('id', '=', domainId);
  if (dialect === 'postgres') query = query.forUpdate();
  // The row as of the lock: callers re-check it was not deleted since they first read it.
  return query.executeTakeFirst();
}

/**
 * One destination of a complete sync: a supported type's config, mapped to our shape and validated by its
 * destination (with the names of its secret fields), or an unknown type's entry kept as sent.
 */
export type SyncedDestination =
  | {
      kind: 'supported';
      type: string;
      config: Record<string, unknown>;
      secretFields: readonly string[];
    }
  | { kind: 'unsupported'; type: string; raw: Record<string, unknown>; enabled: boolean };

export interface ReplaceResult {
  /** The rows now stored, by type. */
  stored: Map<string, DestinationRow>;
  removed: string[];
  deliveriesClosed: number;
}

/**
 * Replaces a domain's destinations with a complete set (run it inside a transaction: all or nothing): each
 * entry is set (a new config version; credentials sealed), types not in the set are removed (their pending
 * deliveries end), and types in `keep` (entries that failed validation) are left exactly as they were.
 */
export async function replaceDomainDestinations(
  db: DB,
  sealer: Sealer,
  input: {
    domain: Domain;
    entries: SyncedDestination[];
    keep: string[];
    configStatus: 'synced' | 'sync_error';
    now: number;
  },
): Promise<ReplaceResult> {
  const { domain, now } = input;
  const stored = new Map<string, DestinationRow>();
  for (const entry of input.entries) {
    if (entry.kind === 'supported') {
      const row = await saveDestination(db, sealer, {
        orgId: domain.org_id,
        domainId: domain.id,
        type: entry.type,
        config: entry.config,
        secretFields: entry.secretFields,
        now,
      });
      stored.set(entry.type, row);
    } else {
      stored.set(entry.type, await setUnsupportedDestination(db, sealer, domain, entry, now));
    }
  }
  const keep = new Set([...stored.keys(), ...input.keep]);
  const existing = await db
    .selectFrom('destinations')
    .select(['id', 'type'])
    .where('domain_id', '=', domain.id)
    .where('org_id', '=', domain.org_id)
    .execute();
  const gone = existing.filter((row) => !keep.has(row.type));
  const deliveriesClosed = await retireDestinations(
    db,
    gone.map((row) => row.id),
    'destination removed by a configuration sync',
    now,
  );
  if (gone.length > 0) {
    await db
      .deleteFrom('destinations')
      .where(
        'id',
        'in',
        gone.map((row) => row.id),
      )
      .execute();
  }
  await setConfigStatus(db, domain.id, input.configStatus, now);
  return { stored, removed: gone.map((row) => row.type), deliveriesClosed };
}

/**
 * A type we cannot deliver to is kept as the plugin sent it: the whole entry sealed (we do not know which of
 * its fields are secret), status `unsupported` so the worker and the ingest path never use it.
 */
async function setUnsupportedDestination(
  db: DB,
  sealer: Sealer,
  domain: Domain,
  entry: Extract<SyncedDestination, { kind: 'unsupported' }>,
  now: number,
): Promise<DestinationRow> {
  const existing = await db
    .selectFrom('destinations')
    .selectAll()
    .where('domain_id', '=', domain.id)
    .where('org_id', '=', domain.org_id)
    .where('type', '=', entry.type)
    .executeTakeFirst();
  const id = existing?.id ?? newId('dst', now);
  const row: DestinationRow = {
    id,
    org_id: domain.org_id,
    domain_id: domain.id,
    type: entry.type,
    enabled: entry.enabled ? 1 : 0,
    config_public: '{}',
    credentials_sealed: sealer.seal(entry.raw, id),
    status: 'unsupported',
    last_error: null,
    config_version: (existing?.config_version ?? 0) + 1,
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
  if (existing) await db.updateTable('destinations').set(row).where('id', '=', id).execute();
  else await db.insertInto('destinations').values(row).execute();
  return row;
}

export async function getDomainDestination(
  db: DB,
  orgId: string,
  domainId: string,
  destinationId: string,
): Promise<DestinationRow | undefined> {
  return db
    .selectFrom('destinations')
    .selectAll()
    .where('id', '=', destinationId)
    .where('domain_id', '=', domainId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

export async function setDestinationEnabled(
  db: DB,
  orgId: string,
  destinationId: string,
  enabled: boolean,
  now: number,
): Promise<void> {
  await db
    .updateTable('destinations')
    .set({ enabled: enabled ? 1 : 0, updated_at: now })
    .where('id', '=', destinationId)
    .where('org_id', '=', orgId)
    .execute();
}

export interface DestinationStats {
  /** Deliveries created in the window (from the start of the hour of `since`), by status. */
  counts: Record<'pending' | 'delivered' | 'failed' | 'skipped' | 'dead', number>;
  /** When the last delivery of this destination succeeded (any time, not only in the window). */
  lastDeliveredAt: number | null;
}

/**
 * Delivery counts per destination since the hour of `since` (the hourly counters: up to an hour more than the
 * window), and each destination's last successful delivery. One query over the counters' primary key.
 */
export async function destinationStats(
  db: DB,
  orgId: string,
  destinationIds: string[],
  since: number,
): Promise<Map<string, DestinationStats>> {
  const out = new Map<string, DestinationStats>();
  if (destinationIds.length === 0) return out;
  for (const id of destinationIds) {
    out.set(id, {
      counts: { pending: 0, delivered: 0, failed: 0, skipped: 0, dead: 0 },
      lastDeliveredAt: null,
    });
  }
  const from = hourOf(since);
  const rows = await db
    .selectFrom('delivery_counts')
    .select((eb) => [
      'destination_id',
      'status',
      eb.fn.sum<number>(sql<number>`case when hour >= ${from} then n else 0 end`).as('n'),
      eb.fn.max('last_delivered_at').as('at'),
    ])
    .where('org_id', '=', orgId)
    .where('destination_id', 'in', destinationIds)
    .groupBy(['destination_id', 'status'])
    .execute();
  for (const row of rows) {
    const stats = out.get(row.destination_id);
    if (!stats) continue;
    if (row.status in stats.counts) {
      stats.counts[row.status as keyof DestinationStats['counts']] = Number(row.n);
    }
    if (row.status === 'delivered' && row.at !== null) stats.lastDeliveredAt = Number(row.at);
  }
  return out;
}
