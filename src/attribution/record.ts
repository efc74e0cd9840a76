/**
 * PLACEHOLDER from part A's branch (pkcollect), only so the collect endpoint compiles before part C
 * merges: the signature is the plan's contract (notes/plan-12.md); C's version replaces this file whole.
 */
import type { Config } from '../config.js';
import type { Clock } from '../lib/clock.js';
import type { Sealer } from '../lib/crypto.js';
import type { DB } from '../storage/db.js';

export interface PixelActivity {
  orgId: string;
  domainId: string;
  visitorId: string | null; // null when consent denied both ads and analytics: then nothing is recorded
  now: number; // ms
  page: { url: string; referrer: string | null };
  /** Click ids found on THIS request's page URL (name → value): fbclid, gclid, gbraid, wbraid, ttclid, epik, ScCid, rdt_cid, msclkid */
  clickIds: Record<string, string>;
  utm: { source?: string; medium?: string; campaign?: string; term?: string; content?: string };
  identity: { email?: string; phone?: string; externalId?: string } | null; // from identify events in the batch
  purchases: Array<{
    orderId: string;
    eventId: string;
    value?: number;
    currency?: string;
    eventTime: number;
  }>; // accepted, not duplicates
}

export async function recordPixelActivity(
  _deps: { storage: { db: DB }; sealer: Sealer; config: Config; clock: Clock },
  _activity: PixelActivity,
): Promise<void> {}
