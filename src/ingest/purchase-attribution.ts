/**
 * Attribution's one step on the ingest path (issue 12): a server-side Purchase (shop plugin /v1/events,
 * /api/v1/events, sync purchase events, order webhooks) that carries the buyer's e-mail or customer id and
 * an order id links its order to the shopper's stitched pixel visitors (src/attribution/record.ts).
 *
 * Cost: a request without a Purchase pays one pass over its event names and nothing else; a Purchase of a
 * shop without pixel visitors one cached lookup (src/attribution/pixel-domains.ts). On a shop that runs the
 * pixel, each Purchase with an identity costs opening its own sealed user data (in memory) and one small
 * upsert, after the events are durable. The pixel's own Purchases are skipped: the collect endpoint records
 * them with their visitor. A failure is logged and never fails the request: the events are stored already.
 */
import { domainUsesPixel } from '../attribution/pixel-domains.js';
import { linkServerPurchase } from '../attribution/record.js';
import type { Clock } from '../lib/clock.js';
import type { Sealer } from '../lib/crypto.js';
import type { DB } from '../storage/db.js';
import type { PreparedEvent } from './prepare.js';
import type { EventStatus } from './writer.js';

/** Sources whose Purchases carry the shop's own view of the buyer (PIXEL: recorded by collect; PMW: none). */
const SERVER_SOURCES: ReadonlySet<string> = new Set(['PROXY', 'API', 'SYNC', 'WEBHOOK']);

export interface PurchaseLinkDeps {
  /** Absent (some tests' deps): nothing is linked. */
  storage?: { db: DB } | undefined;
  sealer: Sealer;
  clock: Clock;
  config: { encryptionKeys?: readonly Buffer[] | undefined };
  logger?: { warn(object: object, message: string): void } | undefined;
}

function orderOf(customData: string | null | undefined): {
  orderId: string;
  value: number | string | null;
  currency: string | null;
} | null {
  if (!customData) return null;
  const data = JSON.parse(customData) as Record<string, unknown>;
  const orderId = data.orderId;
  if ((typeof orderId !== 'string' && typeof orderId !== 'number') || String(orderId) === '') return null;
  const value = typeof data.value === 'number' || typeof data.value === 'string' ? data.value : null;
  return {
    orderId: String(orderId),
    value,
    currency: typeof data.currency === 'string' ? data.currency : null,
  };
}

/**
 * Links the request's server-side Purchases (stored or duplicates: a duplicate of the pixel's Purchase still
 * names the buyer) to their shoppers. Resolves when done; never rejects.
 */
export async function linkPurchases(
  deps: PurchaseLinkDeps,
  events: readonly PreparedEvent[],
  statuses: readonly EventStatus[],
): Promise<void> {
  const { storage } = deps;
  const encryptionKeys = deps.config.encryptionKeys;
  if (!storage || !encryptionKeys || encryptionKeys.length === 0) return;
  // One synchronous pass first: most requests hold no server-side Purchase and stop here without an await.
  const candidates: number[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!.event;
    if (event.event_name !== 'Purchase' || !SERVER_SOURCES.has(event.source)) continue;
    if (statuses[i] !== 'accepted' && statuses[i] !== 'duplicate') continue;
    candidates.push(i);
  }
  if (candidates.length === 0) return;
  // A shop that never ran the pixel has no visitors to link to: one cached lookup per domain and request.
  const usesPixel = new Map<string, boolean>();
  for (const i of candidates) {
    const event = events[i]!.event;
    try {
      let uses = usesPixel.get(event.domain_id);
      if (uses === undefined) {
        uses = await domainUsesPixel(storage.db, event.domain_id);
        usesPixel.set(event.domain_id, uses);
      }
      if (!uses) continue;
      const order = orderOf(event.custom_data);
      if (!order) continue;
      const { u } = events[i]!.payload;
      if (u.email === undefined && u.externalId === undefined) continue;
      await linkServerPurchase(
        { storage, sealer: deps.sealer, clock: deps.clock, config: { encryptionKeys } },
        {
          orgId: event.org_id,
          domainId: event.domain_id,
          orderId: order.orderId,
          eventId: event.event_id,
          value: order.value,
          currency: order.currency,
          eventTime: event.event_time,
          identity: { email: u.email, externalId: u.externalId },
        },
      );
    } catch (error) {
      deps.logger?.warn({ err: error, eventId: event.event_id }, 'attribution: purchase not linked');
    }
  }
}
