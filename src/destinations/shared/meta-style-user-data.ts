/**
 * The contact block Meta defines (hashed lists em … external_id, plain client IP and user agent). Snap's
 * CAPI v3 uses the same keys and, where it does not spell a rule out, Meta's normalization (reference §4),
 * so both map through this one function and add their own click ids.
 */

import type { OutboundEvent } from '../contract.js';
import { normalizeCity } from '../normalize/city.js';
import { normalizeCountry } from '../normalize/country.js';
import { normalizeDateOfBirth } from '../normalize/date-of-birth.js';
import { normalizeEmail } from '../normalize/email.js';
import { normalizeExternalId } from '../normalize/external-id.js';
import { normalizeGender } from '../normalize/gender.js';
import { hashNormalized } from '../normalize/hash.js';
import { normalizeIp } from '../normalize/ip.js';
import { normalizeName } from '../normalize/name.js';
import { normalizePhoneDigits } from '../normalize/phone.js';
import { normalizeState } from '../normalize/state.js';
import { normalizeZip } from '../normalize/zip.js';
import { addressCountry, customerCountry, plain } from './identity.js';
import { type JsonObject, listOf } from './json.js';

/** Uncompacted: absent fields are `undefined`, for the caller's `compact` after adding its own keys. */
export function metaStyleUserData(event: OutboundEvent): Record<string, JsonObject[string] | undefined> {
  const user = event.userData;
  const country = addressCountry(event);
  const own = customerCountry(event);
  return {
    em: listOf(hashNormalized(user.email, normalizeEmail, 'em')),
    ph: listOf(
      hashNormalized(
        user.phone,
        (v) => normalizePhoneDigits(v, own, event.defaultCountry),
        `ph:${own}:${event.defaultCountry}`,
      ),
    ),
    fn: listOf(hashNormalized(user.firstName, normalizeName, 'fn')),
    ln: listOf(hashNormalized(user.lastName, normalizeName, 'ln')),
    ge: listOf(hashNormalized(user.gender, (v) => normalizeGender(v), 'ge')),
    db: listOf(hashNormalized(user.dateOfBirth, (v) => normalizeDateOfBirth(v, event.eventTime))),
    ct: listOf(hashNormalized(user.city, normalizeCity, 'ct')),
    st: listOf(hashNormalized(user.state, (v) => normalizeState(v, country), `st:${country}`)),
    zp: listOf(hashNormalized(user.zip, (v) => normalizeZip(v, country), `zp:${country}`)),
    country: listOf(hashNormalized(user.country, normalizeCountry, 'country')),
    external_id: listOf(hashNormalized(user.externalId, normalizeExternalId, 'external_id')),
    client_ip_address: user.ipAddress === undefined ? undefined : normalizeIp(user.ipAddress),
    client_user_agent: plain(user.userAgent),
  };
}
