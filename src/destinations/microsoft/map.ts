/**
 * One Tagbridge event as a Microsoft UET Conversions API event (reference §3): a `pageLoad` for page
 * views, a `custom` event with an event action for everything else.
 */

import type { EventName, JsonValue, OutboundEvent } from '../contract.js';
import { normalizeMicrosoftEmail } from '../normalize/email.js';
import { normalizeExternalId } from '../normalize/external-id.js';
import { hashNormalized } from '../normalize/hash.js';
import { normalizeIp } from '../normalize/ip.js';
import { type Commerce, commerce } from '../shared/commerce.js';
import { freeFormEventName } from '../shared/event-name.js';
import { hashedE164Phone, plain } from '../shared/identity.js';
import { compact, type JsonObject, nonEmpty } from '../shared/json.js';
import { derivedShopperDigest } from '../shared/shopper-id.js';
import type { MicrosoftConfig } from './config.js';

/**
 * The event action per type. Microsoft has no standard names (they only have to match the conversion
 * goals); these follow GA4's, as third-party templates do (UNCONFIRMED as Microsoft's recommendation).
 * `PageVisit` is not a name but UET's `pageLoad` event type.
 */
export const MICROSOFT_EVENT_NAMES: Readonly<Record<EventName, string>> = {
  PageVisit: 'pageLoad',
  ViewContent: 'view_item',
  Search: 'search',
  AddToCart: 'add_to_cart',
  AddToWishlist: 'add_to_wishlist',
  Purchase: 'purchase',
  Lead: 'lead',
  SignUp: 'sign_up',
  Custom: 'custom_event',
};

/**
 * What the consent decision lets through. Test mode sends as if ad storage were refused: Microsoft uses
 * `adStorageConsent: "D"` events for no advertising purpose, so a test event never counts as a conversion.
 */
export interface MicrosoftSending {
  adStorage: boolean;
  adUserData: boolean;
}

/**
 * `anonymousId`, which Microsoft wants on every event. It should be the UET visitor id of the browser's ID
 * sync; the shop sends none, so a stable one is derived per shopper (shared/shopper-id.ts), in the 32-hex
 * shape of UET's ids. Without consent to use personal data it is derived from the event alone.
 */
function anonymousId(event: OutboundEvent, config: MicrosoftConfig, sending: MicrosoftSending): string {
  return derivedShopperDigest('microsoft-anonymous-id', config.tagId, event, sending.adUserData).slice(0, 32);
}

/**
 * `userData`. Email and phone hashed per Microsoft (dots and +alias dropped on every domain; `+E.164`);
 * the external id anonymized by hashing, as Microsoft asks. Without ad-user-data consent none of these
 * three is sent. `msclkid` is read from a cookie as often as from the URL, so it counts as a cookie
 * identifier: sent only with ad-storage consent.
 */
function userData(event: OutboundEvent, config: MicrosoftConfig, sending: MicrosoftSending): JsonObject {
  const user = event.userData;
  const personal = sending.adUserData;
  return compact({
    anonymousId: anonymousId(event, config, sending),
    externalId: personal ? hashNormalized(user.externalId, normalizeExternalId, 'external_id') : undefined,
    em: personal ? hashNormalized(user.email, normalizeMicrosoftEmail, 'ms:em') : undefined,
    ph: personal ? hashedE164Phone(event) : undefined,
    msclkid: sending.adStorage ? plain(user.msclkid) : undefined,
    clientIpAddress: user.ipAddress === undefined ? undefined : normalizeIp(user.ipAddress),
    clientUserAgent: plain(user.userAgent),
  });
}

function itemIds(data: Commerce): string[] | undefined {
  return data.contents.length > 0 ? data.contents.map((item) => item.id) : undefined;
}

function items(data: Commerce): JsonValue[] | undefined {
  if (data.contents.length === 0) return undefined;
  return data.contents.map((item) =>
    compact({ id: item.id, quantity: item.quantity, price: item.price, name: item.name }),
  );
}

/** `customData` per event type (reference §3, "Mapping"); page loads carry none (they cannot carry revenue). */
function customData(event: OutboundEvent): JsonObject | undefined {
  const data = commerce(event.customData);
  const revenue = { value: data.value, currency: data.currency };
  switch (event.eventName) {
    case 'PageVisit':
    case 'SignUp':
      return undefined;
    case 'ViewContent':
      return compact({ pageType: 'product', itemIds: itemIds(data), ecommCategory: data.contentCategory });
    case 'Search':
      return compact({ pageType: 'searchresults', searchTerm: data.searchString, itemIds: itemIds(data) });
    case 'AddToCart':
      return compact({
        pageType: 'cart',
        ...revenue,
        ecommTotalValue: data.value,
        items: items(data),
        itemIds: itemIds(data),
      });
    case 'AddToWishlist':
      return compact({ ...revenue, itemIds: itemIds(data) });
    case 'Purchase':
      return compact({
        pageType: 'purchase',
        transactionId: data.orderId,
        ...revenue,
        ecommTotalValue: data.value,
        items: items(data),
        itemIds: itemIds(data),
      });
    case 'Lead':
      return compact(revenue);
    case 'Custom':
      return compact({
        eventCategory: data.contentCategory,
        eventLabel: data.contentName,
        eventValue: data.value,
        ...revenue,
      });
  }
}

/** One event of `data[]`. */
export function microsoftEvent(
  event: OutboundEvent,
  config: MicrosoftConfig,
  sending: MicrosoftSending,
): JsonObject {
  const pageLoad = event.eventName === 'PageVisit';
  return compact({
    eventType: pageLoad ? 'pageLoad' : 'custom',
    eventId: event.eventId,
    eventTime: Math.floor(event.eventTime),
    // Custom events keep the shop's own name, as the UET tag's custom event carries it.
    eventName: pageLoad ? undefined : freeFormEventName(event, config, MICROSOFT_EVENT_NAMES),
    eventSourceUrl: plain(event.eventSourceUrl),
    referrerUrl: plain(event.referrerUrl),
    adStorageConsent: sending.adStorage ? 'G' : 'D',
    userData: userData(event, config, sending),
    customData: nonEmpty(customData(event) ?? {}),
  });
}

/** Why Microsoft would refuse the event, or undefined: a page load needs its page URL. */
export function microsoftSkipReason(built: JsonObject): string | undefined {
  return built.eventType === 'pageLoad' && built.eventSourceUrl === undefined
    ? 'Microsoft requires the page URL (eventSourceUrl) on a page load'
    : undefined;
}
