/**
 * GA4's `user_data` ("Send user-provided data with User-ID"): Google's normalization, the same as Google
 * Ads enhanced conversions. Email, phone and names are SHA-256 hex; city, region, postal code and country
 * go in clear inside `address[]`.
 */

import type { OutboundEvent } from '../contract.js';
import { countryCode } from '../normalize/country.js';
import { normalizeGoogleEmail } from '../normalize/email.js';
import { hashNormalized } from '../normalize/hash.js';
import { normalizeName } from '../normalize/name.js';
import { normalizeState } from '../normalize/state.js';
import { normalizeGooglePostalCode } from '../normalize/zip.js';
import { addressCountry, hashedE164Phone } from '../shared/identity.js';
import { compact, type JsonObject, listOf, nonEmpty } from '../shared/json.js';

/**
 * `region`: Google's rule is only "remove digits and symbols, lowercase, trim"; a US state is sent as its
 * two-letter code (what US checkout forms hold), other regions as their lowercased name.
 */
function normalizeRegion(raw: string, country: string | undefined): string | undefined {
  return country === 'US' ? normalizeState(raw, country) : normalizeName(raw);
}

/** One `address[]` entry, or undefined when the shop sent none of its fields. */
function address(event: OutboundEvent): JsonObject | undefined {
  const user = event.userData;
  const country = addressCountry(event);
  return nonEmpty(
    compact({
      sha256_first_name: hashNormalized(user.firstName, normalizeName, 'g:fn'),
      sha256_last_name: hashNormalized(user.lastName, normalizeName, 'g:ln'),
      // City and region: "remove digits and symbols, lowercase, trim", which is the name rule.
      city: user.city === undefined ? undefined : normalizeName(user.city),
      region: user.state === undefined ? undefined : normalizeRegion(user.state, country),
      postal_code: user.zip === undefined ? undefined : normalizeGooglePostalCode(user.zip),
      // Only the shopper's own country; the shop's default is never sent as theirs.
      country: user.country === undefined ? undefined : countryCode(user.country),
    }),
  );
}

/** `user_data`, or undefined when there is nothing to send. */
export function ga4UserData(event: OutboundEvent): JsonObject | undefined {
  const user = event.userData;
  const place = address(event);
  return nonEmpty(
    compact({
      sha256_email_address: listOf(hashNormalized(user.email, normalizeGoogleEmail, 'g:em')),
      sha256_phone_number: listOf(hashedE164Phone(event)),
      address: place === undefined ? undefined : [place],
    }),
  );
}
