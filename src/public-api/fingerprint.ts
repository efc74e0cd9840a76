/**
 * Seed 002: within the API's 20-minute dedup window, events with the same eventId "or fingerprint-equivalent
 * events" are duplicates. An event sent without an eventId (and that is not a Purchase with an orderId, whose
 * default id `purchase_<orderId>` already identifies it) gets an id derived from its fingerprint: everything
 * the event carries once aliases are resolved — name, eventTime, URLs, userData, customData — and the domain
 * it is written to. The same event resent gets the same id, so the writer's dedup claim (domain, name,
 * eventId) recognises it like a repeated eventId; an event that differs in any field is a different event.
 *
 * The id is an HMAC, not a plain hash: the fingerprint covers personal data and the id is returned by
 * GET /api/v1/events, where a plain hash would let a reader confirm a guessed e-mail address.
 */
import { createHash, createHmac } from 'node:crypto';
import type { InboundEvent } from '../ingest/schema.js';
import { canonicalJson } from '../lib/canonical-json.js';

export const FINGERPRINT_ID_PREFIX = 'fp_';

const derivedKeys = new WeakMap<Buffer, Buffer>();

/** A key of its own for fingerprints, derived from the current encryption key (never used to seal). */
function fingerprintKey(secret: Buffer): Buffer {
  let key = derivedKeys.get(secret);
  if (!key) {
    key = createHash('sha256').update('tagbridge event fingerprint\u0000').update(secret).digest();
    derivedKeys.set(secret, key);
  }
  return key;
}

/** `fp_` + 32 hex characters: the same for the same event on the same domain. */
export function fingerprintEventId(secret: Buffer, domainId: string, event: InboundEvent): string {
  const { eventId: _sent, ...fields } = event;
  const mac = createHmac('sha256', fingerprintKey(secret))
    .update(`${domainId}\u0000${canonicalJson(fields)}`)
    .digest('hex');
  return `${FINGERPRINT_ID_PREFIX}${mac.slice(0, 32)}`;
}
