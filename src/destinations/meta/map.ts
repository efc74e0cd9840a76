import type { EventName, OutboundEvent } from '../contract.js';
import { commerce } from '../shared/commerce.js';
import { freeFormEventName } from '../shared/event-name.js';
import { plain } from '../shared/identity.js';
import { compact, type JsonObject, nonEmpty } from '../shared/json.js';
import { metaStyleUserData } from '../shared/meta-style-user-data.js';
import type { MetaConfig } from './config.js';

/** Meta's standard events (the product's table, which matches Meta's own list). */
export const META_EVENT_NAMES: Readonly<Record<EventName, string>> = {
  PageVisit: 'PageView',
  ViewContent: 'ViewContent',
  Search: 'Search',
  AddToCart: 'AddToCart',
  AddToWishlist: 'AddToWishlist',
  Purchase: 'Purchase',
  Lead: 'Lead',
  SignUp: 'CompleteRegistration',
  Custom: 'CustomEvent',
};

/**
 * `user_data`: contact fields normalized and hashed per Meta's Customer Information Parameters, as
 * lists (Meta accepts string or list); IP, user agent, fbc and fbp plain, as Meta requires.
 */
export function metaUserData(event: OutboundEvent): JsonObject {
  const user = event.userData;
  // Added to the block metaStyleUserData made for this call, not spread into a copy of it (per event).
  const fields = metaStyleUserData(event);
  fields.fbc = plain(user.fbc);
  fields.fbp = plain(user.fbp);
  return compact(fields);
}

/** `custom_data` per Meta's standard parameters; `content_type` defaults to `product` when items are sent. */
export function metaCustomData(event: OutboundEvent): JsonObject {
  const data = commerce(event.customData);
  const hasContents = data.contents.length > 0;
  return compact({
    value: data.value,
    currency: data.currency,
    content_ids: hasContents ? data.contents.map((item) => item.id) : undefined,
    contents: hasContents
      ? data.contents.map((item) =>
          compact({
            id: item.id,
            quantity: item.quantity,
            item_price: item.price,
            title: item.name,
            category: item.category,
            brand: item.brand,
          }),
        )
      : undefined,
    content_type: data.contentType ?? (hasContents ? 'product' : undefined),
    content_name: data.contentName,
    content_category: data.contentCategory,
    num_items: data.numItems,
    order_id: data.orderId,
    search_string: data.searchString,
  });
}

/**
 * Why Meta would reject this event, or undefined. Meta rejects a whole batch for one bad event, so
 * events Meta documents as invalid are skipped rather than sent: a Purchase without value and
 * currency (both required for Purchase), and an event without any customer information parameter.
 */
export function metaSkipReason(built: JsonObject): string | undefined {
  const userData = built.user_data;
  if (typeof userData !== 'object' || userData === null || Object.keys(userData).length === 0) {
    return 'Meta requires at least one customer information parameter (email, phone, IP address, user agent…)';
  }
  if (built.event_name !== 'Purchase') return undefined;
  const customData = built.custom_data;
  const data =
    typeof customData === 'object' && customData !== null && !Array.isArray(customData) ? customData : {};
  if (!('value' in data) || !('currency' in data)) {
    return 'Meta requires value and currency (ISO 4217) on Purchase events; one such event would fail the whole batch';
  }
  return undefined;
}

/** One server event, `action_source: website`. */
export function metaEvent(event: OutboundEvent, config: MetaConfig): JsonObject {
  return compact({
    event_name: freeFormEventName(event, config, META_EVENT_NAMES),
    event_time: Math.floor(event.eventTime),
    event_id: event.eventId,
    event_source_url: plain(event.eventSourceUrl),
    referrer_url: plain(event.referrerUrl),
    action_source: 'website',
    user_data: metaUserData(event),
    custom_data: nonEmpty(metaCustomData(event)),
  });
}
