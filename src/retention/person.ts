/**
 * A person's data, found by e-mail address and/or phone number (GDPR Art. 15 export, Art. 17 erasure):
 * `tagbridge erase|export-person` (every org, operator) and `POST /v1/org/erasures|personal-data-exports`
 * (the owner's org only). Used by both edges.
 *
 * How a person is found. Their identifiers are sealed (AES-GCM, per row), so there is no index to look them
 * up by, except one derived value: the shopper key (a keyed HMAC of the normalized e-mail, computed here
 * for the current and every previous ENCRYPTION_KEY) finds the pixel's visitors and conversions. Everything
 * else is scanned and opened in batches of 500: events that still hold sealed data (only those with a
 * delivery not yet final, or final within minutes: the worker erases the rest), visitors' identities, order
 * snapshots and shop webhook bodies. Clear-text columns that could quote the person (customData and page
 * URLs stored before issue 14, messages, webhook payloads, audit details, login tokens) are matched with
 * LIKE on the address, its URL-encoded form, its SHA-256 (what platforms receive) and the phone's digits.
 * A scan costs time proportional to what is still sealed; an erasure is rare, so that is accepted.
 *
 * What erasure does: sealed values are set to null (an event's pending deliveries are skipped), visitors are
 * deleted with their touchpoints, conversions lose their shopper key and visitor (the sale stays), quoted
 * text is emptied, login tokens are deleted. On SQLite the WAL is checkpointed and truncated afterwards, and
 * the main connection overwrites freed space (secure_delete), so no copy stays in the files.
 */
import { createHash } from 'node:crypto';
import { shopperKeyOf, shopperKeySecret } from '../attribution/shopper-key.js';
import type { Config } from '../config.js';
import { normalizeEmail } from '../destinations/normalize/email.js';
import { normalizePhone } from '../destinations/normalize/phone.js';
import { ApiError } from '../errors.js';
import { openEventPayload, openPayload } from '../ingest/sealed-payload.js';
import type { Clock } from '../lib/clock.js';
import type { Sealer } from '../lib/crypto.js';
import { newId } from '../lib/ids.js';
import type { DB, Storage } from '../storage/db.js';
import { type GroupEntry, openGroup } from '../storage/pii-groups.js';
import { insertAuditEntry } from '../storage/repos/audit-log.js';
import {
  conversionsOf,
  eraseEventSeals,
  eraseOrderSnapshots,
  eraseShopWebhookBodies,
  eraseVisitors,
  redactRows,
  rowsMentioning,
  type SealedRow,
  sealedRowsPage,
  TEXT_COLUMNS,
  touchpointsOfVisitors,
  type VisitorRef,
  visitorsById,
  visitorsByShopperKeys,
} from '../storage/repos/person-data.js';
import { loadGroups } from '../storage/repos/pii-groups.js';
import { sqliteCheckpoint } from '../storage/repos/retention.js';

export interface PersonDeps {
  storage: Storage;
  sealer: Sealer;
  config: Config;
  clock: Clock;
}

export interface PersonQuery {
  email?: string | undefined;
  phone?: string | undefined;
  /** One org (an owner), or null: every org (the operator). */
  orgId: string | null;
}

export interface PersonActor {
  type: 'user' | 'operator';
  id: string | null;
  ip?: string | null;
}

const PAGE = 500;

interface Matcher {
  /** Lower-case strings whose presence in text means this person. */
  needles: string[];
  /** Does an opened value (any JSON) hold this person's address or number? */
  matches(value: unknown): boolean;
}

const digitsOf = (text: string): string => text.replace(/\D/g, '');

function matcherOf(query: PersonQuery): Matcher {
  const email = query.email === undefined ? undefined : normalizeEmail(query.email);
  if (query.email !== undefined && email === undefined)
    throw new ApiError('validation_failed', 'email is not an e-mail address', { field: 'email' });
  let phoneDigits: string | undefined;
  if (query.phone !== undefined) {
    const normalized = normalizePhone(query.phone, undefined, undefined);
    phoneDigits = digitsOf(normalized ?? query.phone);
    if (phoneDigits.length < 7)
      throw new ApiError('validation_failed', 'phone is not a phone number', { field: 'phone' });
  }
  if (email === undefined && phoneDigits === undefined)
    throw new ApiError('validation_failed', 'email or phone is required', { field: 'email' });
  const needles: string[] = [];
  if (email !== undefined) {
    needles.push(
      email,
      encodeURIComponent(email).toLowerCase(),
      createHash('sha256').update(email).digest('hex'),
    );
  }
  if (phoneDigits !== undefined) {
    needles.push(phoneDigits, createHash('sha256').update(phoneDigits).digest('hex'));
    if (query.phone) needles.push(query.phone.trim().toLowerCase());
  }
  // National and international forms of one number share their last nine digits.
  const phoneTail = phoneDigits?.slice(-9);
  const matchesString = (text: string): boolean => {
    const lower = text.toLowerCase();
    if (email !== undefined && lower.includes(email)) return true;
    if (needles.some((n) => n.length >= 9 && lower.includes(n))) return true;
    if (phoneTail !== undefined) {
      const digits = digitsOf(text);
      if (digits.length >= 7 && digits.length <= 16 && digits.endsWith(phoneTail)) return true;
    }
    return false;
  };
  const matches = (value: unknown, depth = 0): boolean => {
    if (typeof value === 'string') return matchesString(value);
    if (depth > 10 || value === null || typeof value !== 'object') return false;
    return (Array.isArray(value) ? value : Object.values(value)).some((v) => matches(v, depth + 1));
  };
  return { needles, matches: (value) => matches(value) };
}

/** The same address for every ENCRYPTION_KEY the service holds (keys rotate; old shopper keys remain). */
function shopperKeys(config: Config, email: string | undefined): string[] {
  if (email === undefined) return [];
  return config.encryptionKeys
    .map((key) => shopperKeyOf(shopperKeySecret(key), { email }))
    .filter((k): k is string => k !== null);
}

// The associated data each table seals with (src/orders/process-webhook.ts snapshotAad for orders).
function openSealed(
  sealer: Sealer,
  source: 'events' | 'visitors' | 'orders' | 'shop_webhooks',
  row: SealedRow,
): unknown {
  const { sealed } = row;
  if (sealed === null) return null;
  switch (source) {
    case 'events':
      return openPayload(sealer, sealed, row.id);
    case 'visitors':
      return sealer.open(sealed, row.id);
    case 'orders':
      return sealer.open(sealed, `order:${row.domain_id}:${row.extra}`);
    case 'shop_webhooks':
      return sealer.open(sealed, row.id);
  }
}

/** The sealed groups of a page of event rows, opened (a group that cannot be opened maps to null). */
async function groupsOfPage(
  db: DB,
  sealer: Sealer,
  rows: readonly SealedRow[],
): Promise<Map<number, GroupEntry[] | null>> {
  const ids = rows.filter((row) => row.slot != null).map((row) => Number(row.group));
  const opened = new Map<number, GroupEntry[] | null>();
  for (const [id, sealed] of await loadGroups(db, ids)) {
    try {
      opened.set(id, openGroup(sealer, sealed));
    } catch {
      opened.set(id, null); // Sealed under a key no longer held: nobody can read it.
    }
  }
  return opened;
}

/** An event row's personal data: its own seal, or its entry in its group; null when erased. */
function openEventRow(sealer: Sealer, row: SealedRow, groups: Map<number, GroupEntry[] | null>): unknown {
  const ref = {
    id: row.id,
    pii_sealed: row.sealed,
    pii_group: row.group ?? null,
    pii_slot: row.slot ?? null,
  };
  // A group that could not be opened (null) is as unreadable as one that is gone.
  return openEventPayload(sealer, ref, (id) => groups.get(id) ?? undefined);
}

interface Found {
  /** Per sealed table: the matching rows and what they hold, opened. */
  sealed: Record<
    'events' | 'visitors' | 'orders' | 'shop_webhooks',
    Array<{ row: SealedRow; value: unknown }>
  >;
  visitors: VisitorRef[];
  shopperKeys: string[];
  text: Array<{ entry: (typeof TEXT_COLUMNS)[number]; ids: string[] }>;
}

async function findPerson(deps: PersonDeps, query: PersonQuery): Promise<Found> {
  const matcher = matcherOf(query);
  const { db } = deps.storage;
  const found: Found = {
    sealed: { events: [], visitors: [], orders: [], shop_webhooks: [] },
    visitors: [],
    shopperKeys: [],
    text: [],
  };
  for (const source of ['events', 'visitors', 'orders', 'shop_webhooks'] as const) {
    let after = '';
    for (;;) {
      const rows = await sealedRowsPage(db, source, query.orgId, after, PAGE);
      // Events' data sits in their ingest groups: each group of the page read and opened once.
      const groups = source === 'events' ? await groupsOfPage(db, deps.sealer, rows) : null;
      for (const row of rows) {
        let value: unknown;
        try {
          value = groups ? openEventRow(deps.sealer, row, groups) : openSealed(deps.sealer, source, row);
          if (value === null) continue; // erased
        } catch {
          continue; // Sealed under a key no longer held: nobody can read it.
        }
        if (matcher.matches(value)) found.sealed[source].push({ row, value });
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.id;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const email = query.email === undefined ? undefined : normalizeEmail(query.email);
  found.shopperKeys = shopperKeys(deps.config, email);
  const byKey = await visitorsByShopperKeys(db, query.orgId, found.shopperKeys);
  const byIdentity = await visitorsById(
    db,
    deps.storage.dialect,
    found.sealed.visitors.map((v) => v.row.id),
  );
  found.visitors = [...new Map([...byKey, ...byIdentity].map((v) => [v.id, v])).values()];
  for (const entry of TEXT_COLUMNS) {
    const ids = await rowsMentioning(db, entry, query.orgId, matcher.needles);
    if (ids.length > 0) found.text.push({ entry, ids });
  }
  return found;
}

export type PersonCounts = Record<string, number>;

/** Erases everything held about the person; one audit entry per org concerned (never naming the person). */
export async function erasePerson(
  deps: PersonDeps,
  query: PersonQuery,
  actor: PersonActor,
): Promise<{ erased: PersonCounts }> {
  const found = await findPerson(deps, query);
  const { db, dialect } = deps.storage;
  const now = deps.clock.now();
  const counts: PersonCounts = {};
  const add = (table: string, n: number): void => {
    counts[table] = (counts[table] ?? 0) + n;
  };
  const orgs = new Set<string>();
  const eventIds = found.sealed.events.map((f) => f.row.id);
  for (const f of found.sealed.events) orgs.add(f.row.org_id);
  const events = await eraseEventSeals(db, dialect, deps.sealer, eventIds, now);
  add('events', events.events);
  add('deliveries', events.deliveries);
  for (const f of found.sealed.orders) orgs.add(f.row.org_id);
  add(
    'orders',
    await eraseOrderSnapshots(
      db,
      dialect,
      found.sealed.orders.map((f) => f.row.id),
      now,
    ),
  );
  for (const f of found.sealed.shop_webhooks) orgs.add(f.row.org_id);
  add(
    'shop_webhooks',
    await eraseShopWebhookBodies(
      db,
      dialect,
      found.sealed.shop_webhooks.map((f) => f.row.id),
    ),
  );
  const conversions = await conversionsOf(db, query.orgId, found.shopperKeys, found.visitors);
  for (const v of found.visitors) orgs.add(v.org_id);
  const attribution = await eraseVisitors(
    db,
    dialect,
    found.visitors,
    conversions.map((c) => c.id),
  );
  add('visitors', attribution.visitors);
  add('touchpoints', attribution.touchpoints);
  add('conversions', attribution.conversions);
  for (const { entry, ids } of found.text) add(entry.table, await redactRows(db, dialect, entry, ids));

  const details = {
    erased: counts,
    by:
      query.email !== undefined && query.phone !== undefined
        ? 'email,phone'
        : query.email !== undefined
          ? 'email'
          : 'phone',
  };
  const auditOrgs = query.orgId !== null ? [query.orgId] : [...orgs, null];
  for (const orgId of auditOrgs) {
    await insertAuditEntry(db, {
      id: newId('aud', now),
      orgId,
      actorType: actor.type,
      actorId: actor.id,
      action: 'person.erase',
      targetType: null,
      targetId: null,
      details,
      ip: actor.ip ?? null,
      at: now,
    });
  }
  // The WAL still holds the pages as they were before: copy them back and empty it.
  if (dialect === 'sqlite') await sqliteCheckpoint(db, 'truncate');
  return { erased: counts };
}

export interface PersonExport {
  events: Array<{ id: string; orgId: string; domainId: string; personalData: unknown }>;
  visitors: Array<{
    id: string;
    domainId: string;
    visitorId: string;
    identity: unknown;
    touchpoints: unknown[];
  }>;
  conversions: unknown[];
  orders: Array<{ id: string; domainId: string; orderId: string | null; snapshot: unknown }>;
  shopWebhooks: Array<{ id: string; domainId: string; body: unknown }>;
  /** Rows whose clear text quotes the person: table and ids. */
  mentions: Record<string, string[]>;
}

/** What is held about the person (Art. 15), opened; an audit entry per org concerned. */
export async function exportPerson(
  deps: PersonDeps,
  query: PersonQuery,
  actor: PersonActor,
): Promise<PersonExport> {
  const found = await findPerson(deps, query);
  const { db } = deps.storage;
  const identities = new Map(found.sealed.visitors.map((f) => [f.row.id, f.value]));
  const touchpoints = await touchpointsOfVisitors(db, found.visitors);
  const result: PersonExport = {
    events: found.sealed.events.map((f) => ({
      id: f.row.id,
      orgId: f.row.org_id,
      domainId: f.row.domain_id,
      personalData: f.value,
    })),
    visitors: found.visitors.map((v) => ({
      id: v.id,
      domainId: v.domain_id,
      visitorId: v.visitor_id,
      identity: identities.get(v.id) ?? null,
      touchpoints: touchpoints.filter((t) => t.domain_id === v.domain_id && t.visitor_id === v.visitor_id),
    })),
    conversions: await conversionsOf(db, query.orgId, found.shopperKeys, found.visitors),
    orders: found.sealed.orders.map((f) => ({
      id: f.row.id,
      domainId: f.row.domain_id,
      orderId: f.row.extra,
      snapshot: f.value,
    })),
    shopWebhooks: found.sealed.shop_webhooks.map((f) => ({
      id: f.row.id,
      domainId: f.row.domain_id,
      body: f.value,
    })),
    mentions: Object.fromEntries(found.text.map((t) => [t.entry.table, t.ids])),
  };
  const now = deps.clock.now();
  await insertAuditEntry(db, {
    id: newId('aud', now),
    orgId: query.orgId,
    actorType: actor.type,
    actorId: actor.id,
    action: 'person.export',
    targetType: null,
    targetId: null,
    details: { events: result.events.length, visitors: result.visitors.length, orders: result.orders.length },
    ip: actor.ip ?? null,
    at: now,
  });
  return result;
}
