import type { OutboundEvent } from '../contract.js';
import { countryCode } from '../normalize/country.js';
import { hashNormalized } from '../normalize/hash.js';
import { normalizePhone } from '../normalize/phone.js';

/** The customer's own country (ISO alpha-2, upper case) when it can be read. */
export function customerCountry(event: OutboundEvent): string | undefined {
  return event.userData.country === undefined ? undefined : countryCode(event.userData.country);
}

/**
 * The country an event's address belongs to: the customer's own, else the shop's default. It picks
 * the US rules for state and ZIP; it is never sent as the customer's country.
 */
export function addressCountry(event: OutboundEvent): string | undefined {
  return customerCountry(event) ?? countryCode(event.defaultCountry);
}

/** An identifier sent as is (click ids, cookies, user agent): trimmed, empty omitted. */
export function plain(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/**
 * The phone number in E.164 with its `+` (`+16505551212`), SHA-256 hex: what TikTok, Reddit, GA4 and
 * Microsoft ask for. A national number is read in the customer's country, else the shop's default.
 */
export function hashedE164Phone(event: OutboundEvent): string | undefined {
  const own = customerCountry(event);
  return hashNormalized(
    event.userData.phone,
    (v) => normalizePhone(v, own, event.defaultCountry),
    `e164:${own}:${event.defaultCountry}`,
  );
}
