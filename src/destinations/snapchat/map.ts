import type { EventName, OutboundEvent } from '../contract.js';
import { commerce, decimalString } from '../shared/commerce.js';
import { platformEventName } from '../shared/event-name.js';
import { plain } from '../shared/identity.js';
import { compact, isJsonObject, type JsonObject, nonEmpty } from '../shared/json.js';
import { metaStyleUserData } from '../shared/meta-style-user-data.js';
import type { SnapchatConfig } from './config.js';

/**
 * Snap names. Snap has no LEAD event: Lead goes to SIGN_UP (the product's documented choice, which
 * merges the two in Snap's reporting); a destination can send it to a CUSTOM_EVENT_n slot instead via
 * `eventNames.Lead`. Custom events use slot 1 unless `eventNames.Custom` picks another.
 */
export const SNAPCHAT_EVENT_NAMES: Readonly<Record<EventName, string>> = {
  PageVisit: 'PAGE_VIEW',
  ViewContent: 'VIEW_CONTENT',
  Search: 'SEARCH',
  AddToCart: 'ADD_CART',
  AddToWishlist: 'ADD_TO_WISHLIST',
  Purchase: 'PURCHASE',
  Lead: 'SIGN_UP',
  SignUp: 'SIGN_UP',
  Custom: 'CUSTOM_EVENT_1',
};

/**
 * `user_data`: hashed arrays (phone as digits with country code, no `+`), Meta's rules for the fields
 * Snap does not spell out; IP, UA, the ScCid click id and the `_scid` cookie plain.
 */
export function snapchatUserData(event: OutboundEvent): JsonObject {
  const user = event.userData;
  // Added to the block metaStyleUserData made for this call, not spread into a copy of it (per event).
  const fields = metaStyleUserData(event);
  fields.sc_click_id = plain(user.scClickId);
  fields.sc_cookie1 = plain(user.scCookie1);
  return compact(fields);
}

/** `custom_data` per Snap's v3 OpenAPI: `contents[].quantity` and `item_price` are strings. */
export function snapchatCustomData(event: OutboundEvent): JsonObject {
  const data = commerce(event.customData);
  const hasContents = data.contents.length > 0;
  return compact({
    currency: data.currency,
    value: data.value,
    content_ids: hasContents ? data.contents.map((item) => item.id) : undefined,
    content_category: data.contentCategory,
    content_type: data.contentType,
    contents: hasContents
      ? data.contents.map((item) =>
          compact({
            id: item.id,
            quantity: item.quantity === undefined ? undefined : String(item.quantity),
            item_price: decimalString(item.price),
          }),
        )
      : undefined,
    num_items: data.numItems,
    order_id: data.orderId,
    search_string: data.searchString,
  });
}

function present(value: unknown): boolean {
  return (typeof value === 'string' && value !== '') || (Array.isArray(value) && value.length > 0);
}

/**
 * Snap needs `em`, `ph`, a mobile ad id, or the client IP + user agent pair; without one the event is
 * skipped (also for passthrough events) rather than sent to be rejected.
 */
export function snapchatMissingIdentifier(userData: unknown): string | undefined {
  const user = isJsonObject(userData) ? userData : {};
  if (present(user.em) || present(user.ph) || present(user.madid) || present(user.mobile_ad_id))
    return undefined;
  if (present(user.client_ip_address) && present(user.client_user_agent)) return undefined;
  return 'Snapchat requires an email, a phone number, a mobile ad id or both client IP address and user agent';
}

export function snapchatEvent(event: OutboundEvent, config: SnapchatConfig): JsonObject {
  return compact({
    event_name: platformEventName(event, config, SNAPCHAT_EVENT_NAMES),
    event_time: Math.floor(event.eventTime),
    event_id: event.eventId,
    action_source: 'WEB',
    event_source_url: plain(event.eventSourceUrl),
    user_data: snapchatUserData(event),
    custom_data: nonEmpty(snapchatCustomData(event)),
  });
}
