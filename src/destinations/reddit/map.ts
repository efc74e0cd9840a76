import type { EventName, OutboundEvent } from '../contract.js';
import { normalizeRedditEmail } from '../normalize/email.js';
import { normalizeExternalId } from '../normalize/external-id.js';
import { hashNormalized } from '../normalize/hash.js';
import { normalizeIp } from '../normalize/ip.js';
import { commerce } from '../shared/commerce.js';
import { hashedE164Phone, plain } from '../shared/identity.js';
import { compact, type JsonObject, nonEmpty } from '../shared/json.js';
import type { RedditConfig } from './config.js';

/** Reddit v3 `tracking_type` values (the product table's PageVisit… are v2 spellings, reference §6). */
export const REDDIT_TRACKING_TYPES = [
  'PAGE_VISIT',
  'VIEW_CONTENT',
  'SEARCH',
  'ADD_TO_CART',
  'ADD_TO_WISHLIST',
  'LEAD',
  'PURCHASE',
  'SIGN_UP',
] as const;
type TrackingType = (typeof REDDIT_TRACKING_TYPES)[number] | 'CUSTOM';

export const REDDIT_EVENT_NAMES: Readonly<Record<EventName, TrackingType>> = {
  PageVisit: 'PAGE_VISIT',
  ViewContent: 'VIEW_CONTENT',
  Search: 'SEARCH',
  AddToCart: 'ADD_TO_CART',
  AddToWishlist: 'ADD_TO_WISHLIST',
  Purchase: 'PURCHASE',
  Lead: 'LEAD',
  SignUp: 'SIGN_UP',
  Custom: 'CUSTOM',
};

/** Reddit's "about event metadata": where value/currency and item_count are accepted. */
const VALUE_TYPES = new Set<TrackingType>([
  'PURCHASE',
  'ADD_TO_CART',
  'ADD_TO_WISHLIST',
  'LEAD',
  'SIGN_UP',
  'CUSTOM',
]);
const ITEM_COUNT_TYPES = new Set<TrackingType>(['PURCHASE', 'ADD_TO_CART', 'ADD_TO_WISHLIST', 'CUSTOM']);
const STANDARD = new Set<string>(REDDIT_TRACKING_TYPES);

/**
 * The `type` object. An override naming a v3 tracking type is used as is; any other override text
 * becomes a CUSTOM event of that name. A `Custom` event carries the shop's own name (what the Reddit
 * pixel's custom event sends), falling back to the override, then `Custom`.
 */
export function redditType(event: OutboundEvent, config: RedditConfig): JsonObject {
  const override = config.eventNames?.[event.eventName]?.trim() || undefined;
  if (event.eventName === 'Custom') {
    const name = event.customEventName?.trim() || override;
    if (name !== undefined && STANDARD.has(name)) return { tracking_type: name };
    return { tracking_type: 'CUSTOM', custom_event_name: name ?? 'Custom' };
  }
  if (override === undefined) return { tracking_type: REDDIT_EVENT_NAMES[event.eventName] };
  return STANDARD.has(override)
    ? { tracking_type: override }
    : { tracking_type: 'CUSTOM', custom_event_name: override };
}

/**
 * `user`: email in Reddit's canonical form, phone in E.164 with `+`, external id and (unlike every
 * other platform) the IP address hashed; user agent and the `_rdt_uuid` cookie plain.
 */
export function redditUser(event: OutboundEvent): JsonObject {
  const user = event.userData;
  return compact({
    email: hashNormalized(user.email, normalizeRedditEmail, 'email'),
    phone_number: hashedE164Phone(event),
    external_id: hashNormalized(user.externalId, normalizeExternalId, 'external_id'),
    ip_address: hashNormalized(user.ipAddress, normalizeIp, 'ip'),
    user_agent: plain(user.userAgent),
    uuid: plain(user.rdtUuid),
  });
}

/**
 * `metadata`: `conversion_id` is the shared event id (it must equal the pixel's conversionId for
 * dedup); value/currency and item_count only where Reddit accepts them; products carry id, name and
 * category (the v3 product schema has no price or quantity).
 */
export function redditMetadata(event: OutboundEvent, trackingType: string): JsonObject {
  const data = commerce(event.customData);
  const type = trackingType as TrackingType;
  const withValue = VALUE_TYPES.has(type);
  return compact({
    conversion_id: event.eventId,
    value: withValue ? data.value : undefined,
    currency: withValue ? data.currency : undefined,
    item_count: ITEM_COUNT_TYPES.has(type) ? data.numItems : undefined,
    products:
      data.contents.length > 0
        ? data.contents.map((item) => compact({ id: item.id, name: item.name, category: item.category }))
        : undefined,
  });
}

export function redditEvent(event: OutboundEvent, config: RedditConfig): JsonObject {
  const type = redditType(event, config);
  const trackingType = typeof type.tracking_type === 'string' ? type.tracking_type : 'CUSTOM';
  return compact({
    event_at: Math.floor(event.eventTime) * 1000,
    action_source: 'WEBSITE',
    // v3 events carry the page (Reddit's docs and the reference example); it helps attribution.
    event_source_url: plain(event.eventSourceUrl),
    click_id: plain(event.userData.rdtClickId),
    type,
    user: nonEmpty(redditUser(event)),
    metadata: nonEmpty(redditMetadata(event, trackingType)),
  });
}
