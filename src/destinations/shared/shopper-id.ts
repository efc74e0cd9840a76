import type { OutboundEvent } from '../contract.js';
import { normalizeEmail } from '../normalize/email.js';
import { normalizeExternalId } from '../normalize/external-id.js';
import { sha256Hex } from '../normalize/hash.js';
import { normalizePhone } from '../normalize/phone.js';
import { customerCountry } from './identity.js';

/**
 * What a derived id is computed from: the shopper's most stable identifier (the shop's customer id, else
 * the email, else the phone in E.164), or, without one or when personal data may not be used, the event's
 * own id.
 */
function shopperKey(event: OutboundEvent, usePersonalData: boolean): string {
  const user = event.userData;
  if (usePersonalData) {
    const external = user.externalId === undefined ? undefined : normalizeExternalId(user.externalId);
    if (external !== undefined) return `customer:${external}`;
    const email = user.email === undefined ? undefined : normalizeEmail(user.email);
    if (email !== undefined) return `email:${email}`;
    const phone =
      user.phone === undefined
        ? undefined
        : normalizePhone(user.phone, customerCountry(event), event.defaultCountry);
    if (phone !== undefined) return `phone:${phone}`;
  }
  return `event:${event.eventId}`;
}

/**
 * A stable pseudonymous id (64 hex characters) for a platform that needs a visitor id the shop did not
 * send: GA4's `client_id` without the `_ga` cookie, Microsoft's `anonymousId` without the UET visitor id.
 *
 * SHA-256 over a namespace (the platform), a scope (the destination's own id: measurement id, tag id) and
 * the shopper key above. The same shopper gets the same id on every event; the id cannot be turned back
 * into the identifier, and it differs from the plain hash of the email or phone the platform may also
 * receive, and between two properties. An event without any identifier (or whose personal data may not be
 * used) gets an id of its own: counted as a one-off visitor rather than merged with a stranger.
 */
export function derivedShopperDigest(
  namespace: string,
  scope: string,
  event: OutboundEvent,
  usePersonalData: boolean,
): string {
  return sha256Hex(`tagbridge/${namespace}\u0000${scope}\u0000${shopperKey(event, usePersonalData)}`);
}
