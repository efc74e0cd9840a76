/**
 * One Tagbridge event as a GA4 Measurement Protocol event: the recommended event for its type, its params
 * and `items`, and the request-level fields (client id, user id, user data, consent) it must share with
 * every other event of its request.
 */

import type { ContentItem, CustomData, EventName, JsonValue, OutboundEvent } from '../contract.js';
import { type Commerce, commerce, finite, text } from '../shared/commerce.js';
import { platformEventName } from '../shared/event-name.js';
import { plain } from '../shared/identity.js';
import { compact, type JsonObject } from '../shared/json.js';
import { ga4ClientId, ga4SessionId } from './client-id.js';
import type { Ga4Config } from './config.js';
import { ga4CustomEventName, isGa4ParamName } from './names.js';
import { ga4UserData } from './user-data.js';

/** GA4's recommended events (reference §1); `Custom` events go out under the shop's own name. */
export const GA4_EVENT_NAMES: Readonly<Record<EventName, string>> = {
  PageVisit: 'page_view',
  ViewContent: 'view_item',
  Search: 'search',
  AddToCart: 'add_to_cart',
  AddToWishlist: 'add_to_wishlist',
  Purchase: 'purchase',
  Lead: 'generate_lead',
  SignUp: 'sign_up',
  Custom: 'custom_event',
};

/** GA4 collection limits: param values 100 characters, page_location 1,000, page_referrer 420. */
const MAX_VALUE = 100;
const MAX_PAGE_LOCATION = 1000;
const MAX_PAGE_REFERRER = 420;
const MAX_PARAMS = 25;
const MAX_ITEMS = 200;

/** The keys Tagbridge reads itself; a Custom event's other custom-data keys are its free params. */
const STANDARD_KEYS: ReadonlySet<string> = new Set<string>([
  'value',
  'currency',
  'orderId',
  'contents',
  'numItems',
  'searchString',
  'contentType',
  'contentName',
  'contentCategory',
]);

function cut(value: string | undefined, max = MAX_VALUE): string | undefined {
  return value === undefined ? undefined : value.slice(0, max);
}

function ga4Item(item: ContentItem): JsonObject {
  return compact({
    item_id: cut(item.id),
    item_name: cut(item.name),
    item_brand: cut(item.brand),
    item_category: cut(item.category),
    price: item.price,
    quantity: item.quantity,
  });
}

/**
 * `items`: one per line item; a product view without line items describes its product by name and
 * category. Every item needs an id or a name, so a category alone makes no item.
 */
function items(event: OutboundEvent, data: Commerce): JsonValue[] | undefined {
  if (data.contents.length > 0) return data.contents.slice(0, MAX_ITEMS).map(ga4Item);
  if (event.eventName === 'ViewContent' && data.contentName !== undefined) {
    return [compact({ item_name: cut(data.contentName), item_category: cut(data.contentCategory) })];
  }
  return undefined;
}

/** `currency` and `value`; a value without a valid currency is left out (GA4 requires both together). */
function money(data: Commerce): JsonObject {
  return compact({
    currency: data.currency,
    value: data.currency === undefined ? undefined : data.value,
  });
}

/**
 * A Custom event's own custom-data keys as free params: valid GA4 names, string or number values,
 * strings cut to GA4's 100 characters; keys the params already hold are not overwritten.
 */
function freeParams(customData: CustomData, taken: JsonObject): JsonObject {
  const out: JsonObject = {};
  let count = Object.keys(taken).length;
  for (const [key, raw] of Object.entries(customData)) {
    if (count >= MAX_PARAMS) break;
    if (STANDARD_KEYS.has(key) || key in taken || !isGa4ParamName(key)) continue;
    const value = typeof raw === 'string' ? cut(text(raw)) : finite(raw);
    if (value === undefined) continue;
    out[key] = value;
    count += 1;
  }
  return out;
}

/** The params of each event type (reference §1, "Event mapping"). */
function typeParams(event: OutboundEvent, data: Commerce): JsonObject {
  const custom = event.customData;
  switch (event.eventName) {
    case 'PageVisit':
      return compact({
        page_location: cut(plain(event.eventSourceUrl), MAX_PAGE_LOCATION),
        page_referrer: cut(plain(event.referrerUrl), MAX_PAGE_REFERRER),
      });
    case 'Search':
      return compact({ search_term: cut(data.searchString) });
    case 'Purchase':
      return compact({
        // Never empty: GA4 deduplicates purchases by transaction id, so an empty one would merge them all.
        // Without an order id the event id stands in: unique per purchase, so no two are merged.
        transaction_id: cut(data.orderId ?? event.eventId),
        ...money(data),
        tax: finite(custom.tax),
        shipping: finite(custom.shipping),
        coupon: cut(text(custom.coupon)),
        items: items(event, data),
      });
    case 'SignUp':
      return compact({ method: cut(text(custom.method)) });
    case 'Lead':
      return money(data);
    case 'Custom': {
      if (isRefund(event)) {
        // GA4's own refund event: it subtracts the value from the purchase with this transaction id.
        return compact({
          transaction_id: cut(data.orderId ?? event.eventId),
          ...money(data),
          items: items(event, data),
        });
      }
      const known = compact({ ...money(data), items: items(event, data) });
      return { ...known, ...freeParams(custom, known) };
    }
    default:
      return compact({ ...money(data), items: items(event, data) });
  }
}

/**
 * A refund: the Custom event "Refund" that shop order webhooks and the plugin's sync send for a refunded
 * order (with its order id). GA4 is the destination with a refund event of its own.
 */
function isRefund(event: OutboundEvent): boolean {
  return (
    event.eventName === 'Custom' &&
    event.customEventName?.trim().toLowerCase() === 'refund' &&
    event.customData.orderId !== undefined
  );
}

/** The event name: a Custom event's own (made GA4-valid), else the override or the recommended event. */
function ga4EventName(event: OutboundEvent, config: Ga4Config): string {
  if (isRefund(event)) return 'refund';
  const own = event.eventName === 'Custom' ? event.customEventName : undefined;
  const custom = own === undefined ? undefined : ga4CustomEventName(own);
  return custom ?? platformEventName(event, config, GA4_EVENT_NAMES);
}

/** The event object of `events[]`, its time in microseconds (GA4's unit). */
export function ga4Event(event: OutboundEvent, config: Ga4Config): JsonObject {
  const sessionId = ga4SessionId(event.userData.gaSessionId);
  const params = compact({
    // With the browser's session id the event joins that session (reference §1, "Session stitching");
    // engagement_time_msec makes it count as engaged, as the reference's example does.
    session_id: sessionId,
    engagement_time_msec: sessionId === undefined ? undefined : 1,
    ...typeParams(event, commerce(event.customData)),
  });
  return {
    name: ga4EventName(event, config),
    params,
    timestamp_micros: Math.floor(event.eventTime) * 1_000_000,
  };
}

/**
 * The request-level fields. GA4 applies them to every event of a request, so they are the batch key:
 * events of different shoppers (or consent) never share a request.
 *
 * Consent: `ad_user_data` / `ad_personalization` as decided; without ad-user-data consent no `user_data`
 * (the hashed identifiers) is sent. `user_id` is the shop's own customer id, sent as it is: GA4 forbids
 * personal data in it, and a customer number is none.
 */
export function ga4RequestFields(event: OutboundEvent, config: Ga4Config): JsonObject {
  const { consent } = event;
  return compact({
    client_id: ga4ClientId(event, config.measurementId),
    user_id: plain(event.userData.externalId),
    user_data: consent.adUserData ? ga4UserData(event) : undefined,
    consent: {
      ad_user_data: consent.adUserData ? 'GRANTED' : 'DENIED',
      ad_personalization: consent.adPersonalization ? 'GRANTED' : 'DENIED',
    },
  });
}
