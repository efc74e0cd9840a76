import type { OutboundEvent } from '../contract.js';
import { plain } from '../shared/identity.js';
import { derivedShopperDigest } from '../shared/shopper-id.js';

/** The `_ga` cookie: `GA1.<domain depth>.<random>.<first visit, s>`; GA4's client id is the last two parts. */
const GA_COOKIE = /^GA\d+\.\d+\.(\d+\.\d+)$/u;
/** The client id alone, as the shop may already have cut it out of the cookie. */
const BARE_CLIENT_ID = /^\d+\.\d+$/u;

/**
 * The browser's GA4 client id from `userData.gaClientId`: the whole `_ga` cookie value or its last two
 * parts. Anything else is not an id the Google tag made, so it would not join the browser's sessions:
 * undefined, and a derived id is used.
 */
export function gaCookieClientId(raw: string | undefined): string | undefined {
  const value = plain(raw);
  if (value === undefined) return undefined;
  if (BARE_CLIENT_ID.test(value)) return value;
  return GA_COOKIE.exec(value)?.[1];
}

/**
 * GA4's `client_id` for an event: the browser's, else one derived from the shopper (shared/shopper-id.ts)
 * in the `_ga` shape (`<digits>.<digits>`), so the same shopper is one user in reports and no identifier
 * can be read back from it.
 */
export function ga4ClientId(event: OutboundEvent, measurementId: string): string {
  const browser = gaCookieClientId(event.userData.gaClientId);
  if (browser !== undefined) return browser;
  const digest = derivedShopperDigest('ga4-client-id', measurementId, event, true);
  return `${Number.parseInt(digest.slice(0, 8), 16)}.${Number.parseInt(digest.slice(8, 16), 16)}`;
}

/** `_ga_<stream>` cookie, older format: `GS1.1.<session id>.<session number>.…`. */
const GS1_COOKIE = /^GS1\.\d+\.(\d+)\./u;
/** Newer format: `GS2.1.s<session id>$o<session number>$…`. */
const GS2_COOKIE = /^GS2\.\d+\.s(\d+)(?:\$|$)/u;

/**
 * GA4's `session_id` param from `userData.gaSessionId`: the session id itself (digits), or read from the
 * whole `_ga_<stream>` cookie in either known format (Google does not document these formats; a value in
 * neither is not sent, since a wrong session id attributes the event to no session at all).
 */
export function ga4SessionId(raw: string | undefined): string | undefined {
  const value = plain(raw);
  if (value === undefined) return undefined;
  if (/^\d+$/u.test(value)) return value;
  return GS1_COOKIE.exec(value)?.[1] ?? GS2_COOKIE.exec(value)?.[1];
}
