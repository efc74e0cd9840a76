import type { EventName, OutboundEvent } from '../contract.js';
import { normalizeCity } from '../normalize/city.js';
import { normalizeCountry } from '../normalize/country.js';
import { normalizeEmail } from '../normalize/email.js';
import { normalizeExternalId } from '../normalize/external-id.js';
import { hashNormalized } from '../normalize/hash.js';
import { normalizeIp } from '../normalize/ip.js';
import { normalizeName } from '../normalize/name.js';
import { normalizeState } from '../normalize/state.js';
import { normalizeZip } from '../normalize/zip.js';
import { commerce } from '../shared/commerce.js';
import { freeFormEventName } from '../shared/event-name.js';
import { addressCountry, hashedE164Phone, plain } from '../shared/identity.js';
import { compact, type JsonObject, nonEmpty } from '../shared/json.js';
import type { TiktokConfig } from './config.js';

/**
 * TikTok names, corrected from the product table (reference §6): `Purchase` and `Lead` replaced
 * `CompletePayment` and `SubmitForm` in May 2025; `Pageview` is what TikTok's own template sends.
 */
export const TIKTOK_EVENT_NAMES: Readonly<Record<EventName, string>> = {
  PageVisit: 'Pageview',
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
 * `user`: email, phone (E.164 with `+`), external id, names and zip hashed; city, state and country
 * plain (lowercase, ISO alpha-2 country), as TikTok's reference implementations send them.
 */
export function tiktokUser(event: OutboundEvent): JsonObject {
  const user = event.userData;
  const country = addressCountry(event);
  return compact({
    email: hashNormalized(user.email, normalizeEmail, 'email'),
    phone: hashedE164Phone(event),
    external_id: hashNormalized(user.externalId, normalizeExternalId, 'external_id'),
    first_name: hashNormalized(user.firstName, normalizeName, 'first_name'),
    last_name: hashNormalized(user.lastName, normalizeName, 'last_name'),
    zip_code: hashNormalized(user.zip, (v) => normalizeZip(v, country), `zip:${country}`),
    city: user.city === undefined ? undefined : normalizeCity(user.city),
    state: user.state === undefined ? undefined : normalizeState(user.state, country),
    country: user.country === undefined ? undefined : normalizeCountry(user.country),
    ip: user.ipAddress === undefined ? undefined : normalizeIp(user.ipAddress),
    user_agent: plain(user.userAgent),
    ttclid: plain(user.ttclid),
    ttp: plain(user.ttp),
  });
}

/** `properties`: TikTok's names (`content_id`, `price`) for the item fields. */
export function tiktokProperties(event: OutboundEvent): JsonObject {
  const data = commerce(event.customData);
  const hasContents = data.contents.length > 0;
  return compact({
    value: data.value,
    currency: data.currency,
    content_type: data.contentType ?? (hasContents ? 'product' : undefined),
    contents: hasContents
      ? data.contents.map((item) =>
          compact({
            content_id: item.id,
            content_name: item.name,
            content_category: item.category,
            brand: item.brand,
            price: item.price,
            quantity: item.quantity,
          }),
        )
      : undefined,
    content_ids: hasContents ? data.contents.map((item) => item.id) : undefined,
    num_items: data.numItems,
    order_id: data.orderId,
    search_string: data.searchString,
  });
}

export function tiktokEvent(event: OutboundEvent, config: TiktokConfig): JsonObject {
  const url = plain(event.eventSourceUrl);
  const referrer = plain(event.referrerUrl);
  return compact({
    event: freeFormEventName(event, config, TIKTOK_EVENT_NAMES),
    event_time: Math.floor(event.eventTime),
    event_id: event.eventId,
    user: tiktokUser(event),
    page: url === undefined && referrer === undefined ? undefined : compact({ url, referrer }),
    properties: nonEmpty(tiktokProperties(event)),
  });
}
