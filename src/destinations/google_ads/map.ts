/**
 * One Tagbridge event as a Data Manager API `Event` for a Google Ads conversion action (reference
 * destinations-2.md §2.1), and the `destinations[]` of a request.
 */

import type { EventName, JsonValue, Mapped, OutboundEvent } from '../contract.js';
import { countryCode } from '../normalize/country.js';
import { normalizeGoogleEmail } from '../normalize/email.js';
import { hashNormalized } from '../normalize/hash.js';
import { normalizeIp } from '../normalize/ip.js';
import { normalizeName } from '../normalize/name.js';
import { normalizeGooglePostalCode } from '../normalize/zip.js';
import { type Commerce, commerce } from '../shared/commerce.js';
import { CONSENT_SKIP } from '../shared/consent.js';
import { customerCountry, hashedE164Phone, plain } from '../shared/identity.js';
import { compact, type JsonObject, nonEmpty } from '../shared/json.js';
import type { GoogleAdsConfig } from './config.js';

/** At most 10 user identifiers per event (reference §2.1, limits). */
const MAX_IDENTIFIERS = 10;

/**
 * Google Ads does not match on IP addresses of users in the EEA, the UK or Switzerland (reference §2.1): for
 * them no `ipAddress` is sent. EU members, Iceland, Liechtenstein, Norway, the UK and Switzerland.
 */
const NO_IP_MATCHING: ReadonlySet<string> = new Set([
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'IS',
  'LI',
  'NO',
  'GB',
  'CH',
]);

/** The conversion action an event type goes to: Purchase's own field, the others' map; none: not sent. */
export function conversionActionFor(config: GoogleAdsConfig, eventName: EventName): string | undefined {
  if (eventName === 'Purchase') return config.conversionActionId;
  if (eventName === 'PageVisit') return undefined;
  return config.conversionActions?.[eventName];
}

/**
 * `destinations[]`: one per conversion action that the batch's events name (`reference` = the event type,
 * which each event repeats in `destinationReferences`). The operating account owns the conversion action;
 * a manager account, when the credentials reach it through one, is the `loginAccount`.
 */
export function destinationsFor(config: GoogleAdsConfig, references: readonly string[]): JsonObject[] {
  return references.flatMap((reference) => {
    const action = conversionActionFor(config, reference as EventName);
    if (action === undefined) return [];
    return [
      compact({
        reference,
        operatingAccount: { accountType: 'GOOGLE_ADS', accountId: config.customerId },
        loginAccount:
          config.loginCustomerId === undefined
            ? undefined
            : { accountType: 'GOOGLE_ADS', accountId: config.loginCustomerId },
        productDestinationId: action,
      }),
    ];
  });
}

/** RFC 3339 in UTC, whole seconds: `2026-11-30T14:02:11Z`. */
export function rfc3339(unixSeconds: number): string {
  return new Date(Math.floor(unixSeconds) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Whether the shopper's IP may be sent: not for the EEA, the UK and Switzerland. Decided by the shopper's own
 * country, else the shop's default country (the shop's market is the best guess for an unknown shopper).
 */
export function ipAllowed(event: OutboundEvent): boolean {
  const country = customerCountry(event) ?? countryCode(event.defaultCountry);
  return country !== undefined && !NO_IP_MATCHING.has(country);
}

/**
 * `address`: hashed given and family name, plain region code (the shopper's own country, never the shop's
 * default) and postal code. Google requires all four, so an incomplete address is not sent.
 */
function address(event: OutboundEvent): JsonObject | undefined {
  const user = event.userData;
  const givenName = hashNormalized(user.firstName, normalizeName, 'g:fn');
  const familyName = hashNormalized(user.lastName, normalizeName, 'g:ln');
  const regionCode = customerCountry(event);
  const postalCode = user.zip === undefined ? undefined : normalizeGooglePostalCode(user.zip);
  if (
    givenName === undefined ||
    familyName === undefined ||
    regionCode === undefined ||
    postalCode === undefined
  ) {
    return undefined;
  }
  return { givenName, familyName, regionCode, postalCode };
}

/** `userData.userIdentifiers`: each item exactly one of email, phone, address. */
export function userIdentifiers(event: OutboundEvent): JsonObject[] {
  const email = hashNormalized(event.userData.email, normalizeGoogleEmail, 'g:em');
  const phone = hashedE164Phone(event);
  const place = address(event);
  const identifiers: JsonObject[] = [];
  if (email !== undefined) identifiers.push({ emailAddress: email });
  if (phone !== undefined) identifiers.push({ phoneNumber: phone });
  if (place !== undefined) identifiers.push({ address: place });
  return identifiers.slice(0, MAX_IDENTIFIERS);
}

/** `cartData.items`: quantity is an int64, which JSON carries as a string. */
function cartItems(data: Commerce): JsonValue[] | undefined {
  if (data.contents.length === 0) return undefined;
  return data.contents.map((item) =>
    compact({
      itemId: item.id,
      merchantProductId: item.id,
      quantity: item.quantity === undefined ? undefined : String(item.quantity),
      unitPrice: item.price,
    }),
  );
}

/** `transactionId`: the order for a Purchase (Google deduplicates by it), else the event's own id. */
function transactionId(event: OutboundEvent, data: Commerce): string {
  return event.eventName === 'Purchase' ? (data.orderId ?? event.eventId) : event.eventId;
}

/**
 * The event, or why it is not sent: a type without a conversion action; ad user data refused (Google drops
 * such a conversion as DENIED_CONSENT, reference §4, so it is not sent at all); nothing to match it on.
 * Click ids the shopper did not allow device storage for were already taken out (shared/consent.ts).
 */
export function googleAdsEvent(event: OutboundEvent, config: GoogleAdsConfig): Mapped {
  if (conversionActionFor(config, event.eventName) === undefined) {
    return { skip: `no conversion action configured for ${event.eventName}` };
  }
  if (!event.consent.adUserData) return CONSENT_SKIP;
  const user = event.userData;
  const adIdentifiers = nonEmpty(
    compact({ gclid: plain(user.gclid), gbraid: plain(user.gbraid), wbraid: plain(user.wbraid) }),
  );
  const identifiers = userIdentifiers(event);
  if (adIdentifiers === undefined && identifiers.length === 0) {
    return { skip: 'cannot match: no click id and no user identifiers' };
  }
  const data = commerce(event.customData);
  const ip = user.ipAddress === undefined || !ipAllowed(event) ? undefined : normalizeIp(user.ipAddress);
  const items = cartItems(data);
  return {
    event: compact({
      destinationReferences: [event.eventName],
      transactionId: transactionId(event, data),
      eventTimestamp: rfc3339(event.eventTime),
      eventSource: 'WEB',
      conversionValue: data.value,
      currency: data.currency,
      adIdentifiers,
      eventDeviceInfo: nonEmpty(compact({ userAgent: plain(user.userAgent), ipAddress: ip })),
      userData: identifiers.length === 0 ? undefined : { userIdentifiers: identifiers },
      cartData: items === undefined ? undefined : { items },
      consent: {
        adUserData: 'CONSENT_GRANTED',
        adPersonalization: event.consent.adPersonalization ? 'CONSENT_GRANTED' : 'CONSENT_DENIED',
      },
    }),
  };
}
