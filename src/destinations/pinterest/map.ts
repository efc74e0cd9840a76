import type { EventName, OutboundEvent } from '../contract.js';
import { normalizeCity } from '../normalize/city.js';
import { normalizeCountry } from '../normalize/country.js';
import { normalizeDateOfBirth } from '../normalize/date-of-birth.js';
import { normalizeEmail } from '../normalize/email.js';
import { normalizeExternalId } from '../normalize/external-id.js';
import { normalizeGender } from '../normalize/gender.js';
import { hashNormalized } from '../normalize/hash.js';
import { normalizeIp } from '../normalize/ip.js';
import { normalizeNameLowercase } from '../normalize/name.js';
import { normalizePhoneDigits } from '../normalize/phone.js';
import { normalizeState } from '../normalize/state.js';
import { normalizeZipDigits } from '../normalize/zip.js';
import { commerce, decimalString } from '../shared/commerce.js';
import { platformEventName } from '../shared/event-name.js';
import { addressCountry, customerCountry, plain } from '../shared/identity.js';
import { compact, isJsonObject, type JsonObject, listOf, nonEmpty } from '../shared/json.js';
import type { PinterestConfig } from './config.js';

/**
 * Pinterest names, corrected from the product table (reference §6): `view_content` for product views
 * (`view_category` is for listing pages). Pinterest only knows the literal `custom` for custom events.
 */
export const PINTEREST_EVENT_NAMES: Readonly<Record<EventName, string>> = {
  PageVisit: 'page_visit',
  ViewContent: 'view_content',
  Search: 'search',
  AddToCart: 'add_to_cart',
  AddToWishlist: 'add_to_wishlist',
  Purchase: 'checkout',
  Lead: 'lead',
  SignUp: 'signup',
  Custom: 'custom',
};

/**
 * `user_data` per Pinterest's OpenAPI: hashed arrays; names only lowercased (Pinterest's rule), gender
 * may be `n`, postcodes digits only (alphanumeric ones omitted); IP, UA and the `_epik` click id plain.
 */
export function pinterestUserData(event: OutboundEvent): JsonObject {
  const user = event.userData;
  const country = addressCountry(event);
  const own = customerCountry(event);
  return compact({
    em: listOf(hashNormalized(user.email, normalizeEmail, 'em')),
    ph: listOf(
      hashNormalized(
        user.phone,
        (v) => normalizePhoneDigits(v, own, event.defaultCountry),
        `ph:${own}:${event.defaultCountry}`,
      ),
    ),
    fn: listOf(hashNormalized(user.firstName, normalizeNameLowercase, 'fn')),
    ln: listOf(hashNormalized(user.lastName, normalizeNameLowercase, 'ln')),
    ge: listOf(hashNormalized(user.gender, (v) => normalizeGender(v, { nonBinary: true }), 'ge')),
    db: listOf(hashNormalized(user.dateOfBirth, (v) => normalizeDateOfBirth(v, event.eventTime))),
    ct: listOf(hashNormalized(user.city, normalizeCity, 'ct')),
    st: listOf(hashNormalized(user.state, (v) => normalizeState(v, country), `st:${country}`)),
    zp: listOf(hashNormalized(user.zip, (v) => normalizeZipDigits(v, country), `zp:${country}`)),
    country: listOf(hashNormalized(user.country, normalizeCountry, 'country')),
    external_id: listOf(hashNormalized(user.externalId, normalizeExternalId, 'external_id')),
    client_ip_address: user.ipAddress === undefined ? undefined : normalizeIp(user.ipAddress),
    client_user_agent: plain(user.userAgent),
    click_id: plain(user.epik),
  });
}

/** `custom_data` (closed schema): `value` and `item_price` are decimal strings. */
export function pinterestCustomData(event: OutboundEvent): JsonObject {
  const data = commerce(event.customData);
  const hasContents = data.contents.length > 0;
  return compact({
    currency: data.currency,
    value: decimalString(data.value),
    content_ids: hasContents ? data.contents.map((item) => item.id) : undefined,
    contents: hasContents
      ? data.contents.map((item) =>
          compact({
            id: item.id,
            item_name: item.name,
            item_category: item.category,
            item_brand: item.brand,
            item_price: decimalString(item.price),
            quantity: item.quantity,
          }),
        )
      : undefined,
    num_items: data.numItems,
    order_id: data.orderId,
    search_string: data.searchString,
    content_name: data.contentName,
    content_category: data.contentCategory,
  });
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}

function nonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/**
 * Pinterest's `user_data` anyOf: `em`, `hashed_maids`, or the `client_ip_address` + `client_user_agent`
 * pair. Without one Pinterest rejects the event, so it is skipped (also for passthrough events).
 */
export function pinterestMissingIdentifier(userData: unknown): string | undefined {
  const user = isJsonObject(userData) ? userData : {};
  if (nonEmptyList(user.em) || nonEmptyList(user.hashed_maids)) return undefined;
  if (nonEmptyString(user.client_ip_address) && nonEmptyString(user.client_user_agent)) return undefined;
  return 'Pinterest requires an email (em), a mobile ad id or both client IP address and user agent';
}

export function pinterestEvent(event: OutboundEvent, config: PinterestConfig): JsonObject {
  return compact({
    event_name: platformEventName(event, config, PINTEREST_EVENT_NAMES),
    action_source: 'web',
    event_time: Math.floor(event.eventTime),
    event_id: event.eventId,
    event_source_url: plain(event.eventSourceUrl),
    user_data: pinterestUserData(event),
    custom_data: nonEmpty(pinterestCustomData(event)),
  });
}
