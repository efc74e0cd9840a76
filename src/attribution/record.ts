/**
 * What the pixel and the shop's server tell attribution: visitors (the `_tb_vid` cookie) with their
 * touchpoints, stitched to a shopper on identify or purchase, and the orders (conversions) the report
 * attributes. Called after the events are durable; a failure here loses attribution data, never events.
 *
 * Writes are kept low: a page view of a known visitor is one indexed read, plus an update of last_seen_at
 * at most every LAST_SEEN_EVERY_MS; a touchpoint, a stitch and a purchase are a few small writes each.
 */
import type { Config } from '../config.js';
import type { Clock } from '../lib/clock.js';
import type { Sealer } from '../lib/crypto.js';
import { newId } from '../lib/ids.js';
import type { DB } from '../storage/db.js';
import {
  findVisitor,
  insertTouchpoint,
  insertVisitor,
  latestTouchpoint,
  pruneTouchpoints,
  stitchUnstitchedVisitor,
  stitchVisitor,
  touchVisitor,
  upsertConversion,
  type VisitorState,
} from '../storage/repos/attribution.js';
import { repeatsTouchpoint, type TouchpointDetails, touchpointOf } from './channels.js';
import { markDomainUsesPixel } from './pixel-domains.js';
import { cleanIdentity, type Identity, shopperKeyOf, shopperKeySecret } from './shopper-key.js';

export interface PixelActivity {
  orgId: string;
  domainId: string;
  /** null when consent denied both ads and analytics: then nothing is recorded. */
  visitorId: string | null;
  /** ms */
  now: number;
  page: { url: string; referrer: string | null };
  /** Click ids found on THIS request's page URL (name → value): fbclid, gclid, gbraid, wbraid, ttclid, epik, ScCid, rdt_cid, msclkid */
  clickIds: Record<string, string>;
  utm: { source?: string; medium?: string; campaign?: string; term?: string; content?: string };
  /** From identify events in the batch. */
  identity: { email?: string; phone?: string; externalId?: string } | null;
  /**
   * The batch's Purchases that were stored or were duplicates of a stored one (the shop server's copy of
   * the order may have arrived first: the pixel's then adds the visitor to that order's conversion).
   */
  purchases: Array<{
    orderId: string;
    eventId: string;
    value?: number;
    currency?: string;
    /** Unix seconds (the browser's clock): kept on the event; the conversion takes `now` (see below). */
    eventTime: number;
  }>;
}

export interface RecordDeps {
  storage: { db: DB };
  sealer: Sealer;
  config: Config;
  clock: Clock;
}

/** last_seen_at moves at most this often per visitor (a page view is then a read only). */
export const LAST_SEEN_EVERY_MS = 5 * 60_000;
/** Touchpoints kept per visitor; older ones are dropped, so one visitor cannot grow the table without end. */
export const MAX_TOUCHPOINTS_PER_VISITOR = 100;
/** A landing that repeats the visitor's latest touchpoint within this time (a reload) is not stored again. */
export const REPEAT_WINDOW_MS = 30 * 60_000;
/** Bounds of what a client may name (a cookie value, an order id). */
const MAX_ID_LENGTH = 200;

const usable = (id: string | null | undefined): id is string =>
  typeof id === 'string' && id !== '' && id.length <= MAX_ID_LENGTH;

/** The visitor's row, created on first sight; last_seen_at refreshed at most every LAST_SEEN_EVERY_MS. */
async function visitorRow(db: DB, activity: PixelActivity & { visitorId: string }): Promise<VisitorState> {
  const known = await findVisitor(db, activity.domainId, activity.visitorId);
  if (known) {
    if (activity.now - known.lastSeenAt >= LAST_SEEN_EVERY_MS) await touchVisitor(db, known.id, activity.now);
    return known;
  }
  await insertVisitor(db, {
    id: newId('vis', activity.now),
    org_id: activity.orgId,
    domain_id: activity.domainId,
    visitor_id: activity.visitorId,
    shopper_key: null,
    identity_sealed: null,
    first_seen_at: activity.now,
    last_seen_at: activity.now,
    stitched_at: null,
  });
  const created = await findVisitor(db, activity.domainId, activity.visitorId);
  if (!created) throw new Error('visitor row missing right after its insert');
  markDomainUsesPixel(db, activity.domainId);
  return created;
}

/** The landing's touchpoint, unless it is none or repeats the latest one; then the per-visitor bound. */
async function recordTouchpoint(
  deps: RecordDeps,
  activity: PixelActivity & { visitorId: string },
): Promise<void> {
  const draft = touchpointOf(
    {
      url: activity.page.url,
      referrer: activity.page.referrer,
      clickIds: activity.clickIds,
      utm: activity.utm,
    },
    activity.now,
  );
  if (!draft) return;
  const { db } = deps.storage;
  const latest = await latestTouchpoint(db, activity.domainId, activity.visitorId);
  if (latest) {
    const details = deps.sealer.open<TouchpointDetails>(latest.detailsSealed, latest.id);
    if (repeatsTouchpoint(draft, activity.now, { ...latest, clickIds: details.clickIds }, REPEAT_WINDOW_MS)) {
      return;
    }
  }
  const id = newId('tp', activity.now);
  await insertTouchpoint(db, {
    id,
    org_id: activity.orgId,
    domain_id: activity.domainId,
    visitor_id: activity.visitorId,
    occurred_at: activity.now,
    channel: draft.channel,
    utm_source: draft.utmSource,
    utm_medium: draft.utmMedium,
    utm_campaign: draft.utmCampaign,
    details_sealed: deps.sealer.seal(draft.details, id),
  });
  await pruneTouchpoints(db, activity.domainId, activity.visitorId, MAX_TOUCHPOINTS_PER_VISITOR);
}

/** The HMAC key of shopper keys: from the current encryption key. */
function secretOf(config: { encryptionKeys: readonly Buffer[] }): Buffer {
  const key = config.encryptionKeys[0];
  if (!key) throw new Error('no encryption key configured');
  return shopperKeySecret(key);
}

/** The pixel's side: see the module comment. Does nothing without a visitor id (no consent). */
export async function recordPixelActivity(deps: RecordDeps, activity: PixelActivity): Promise<void> {
  if (!usable(activity.visitorId)) return;
  const input = activity as PixelActivity & { visitorId: string };
  const { db } = deps.storage;
  const visitor = await visitorRow(db, input);
  await recordTouchpoint(deps, input);

  let shopperKey = visitor.shopperKey;
  if (activity.identity) {
    const identity = cleanIdentity(activity.identity);
    const key = shopperKeyOf(secretOf(deps.config), identity);
    // Only a change of shopper writes: a shop that identifies on every page costs a read, not a write.
    if (key !== null && key !== visitor.shopperKey) {
      await stitchVisitor(db, visitor.id, {
        shopperKey: key,
        identitySealed: deps.sealer.seal(identity, visitor.id),
        now: activity.now,
      });
      shopperKey = key;
    }
  }

  for (const purchase of activity.purchases) {
    if (!usable(purchase.orderId)) continue;
    const linked = await upsertConversion(db, {
      id: newId('cnv', activity.now),
      org_id: activity.orgId,
      domain_id: activity.domainId,
      order_id: purchase.orderId,
      event_id: purchase.eventId.slice(0, MAX_ID_LENGTH),
      visitor_id: input.visitorId,
      shopper_key: shopperKey,
      value: moneyText(purchase.value),
      currency: currencyText(purchase.currency),
      // The server's receive time, the clock the touchpoints are on: the browser's eventTime is whole
      // seconds of the shopper's own clock, so a click earlier in the same second (or any click within a
      // slow clock's lag) would fall after the order and out of its attribution.
      occurred_at: activity.now,
      created_at: activity.now,
    });
    // The shop's server reported the order first, with the buyer's e-mail: this visitor is that shopper.
    if (shopperKey === null && linked.shopperKey !== null && linked.visitorId === input.visitorId) {
      await stitchUnstitchedVisitor(db, visitor.id, {
        shopperKey: linked.shopperKey,
        identitySealed: null,
        now: activity.now,
      });
      shopperKey = linked.shopperKey;
    }
  }
}

/** A server-side Purchase (shop plugin, public API, sync, order webhooks) with the buyer's identity. */
export interface ServerPurchase {
  orgId: string;
  domainId: string;
  orderId: string;
  eventId: string;
  value: number | string | null;
  currency: string | null;
  /** Unix seconds. */
  eventTime: number;
  identity: Identity;
}

/**
 * Links a server-side order to the shopper's stitched visitors: one upsert of its conversion row with the
 * shopper key (the report finds the visitors through it). When the pixel reported the order first, its
 * row gains the shopper key and its visitor is stitched to the buyer. False when the purchase names no
 * shopper (no usable e-mail or customer id) or no order.
 */
export async function linkServerPurchase(
  deps: { storage: { db: DB }; sealer: Sealer; config: { encryptionKeys: readonly Buffer[] }; clock: Clock },
  purchase: ServerPurchase,
): Promise<boolean> {
  if (!usable(purchase.orderId)) return false;
  const identity = cleanIdentity(purchase.identity);
  const shopperKey = shopperKeyOf(secretOf(deps.config), identity);
  if (shopperKey === null) return false;
  const { db } = deps.storage;
  const now = deps.clock.now();
  const linked = await upsertConversion(db, {
    id: newId('cnv', now),
    org_id: purchase.orgId,
    domain_id: purchase.domainId,
    order_id: purchase.orderId,
    event_id: purchase.eventId.slice(0, MAX_ID_LENGTH),
    visitor_id: null,
    shopper_key: shopperKey,
    value: moneyText(purchase.value),
    currency: currencyText(purchase.currency),
    occurred_at: purchase.eventTime * 1000,
    created_at: now,
  });
  if (linked.visitorId !== null && linked.shopperKey === shopperKey) {
    const visitor = await findVisitor(db, purchase.domainId, linked.visitorId);
    if (visitor && visitor.shopperKey === null) {
      await stitchUnstitchedVisitor(db, visitor.id, {
        shopperKey,
        identitySealed: deps.sealer.seal(identity, visitor.id),
        now,
      });
    }
  }
  return true;
}

/** A value as the decimal text the table keeps ("49.99"); null for anything that is not a finite amount. */
function moneyText(value: number | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return null;
  return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? value.trim() : String(n);
}

function currencyText(currency: string | null | undefined): string | null {
  if (typeof currency !== 'string') return null;
  const code = currency.trim().toUpperCase();
  return /^[A-Z]{3}$/.test(code) ? code : null;
}
