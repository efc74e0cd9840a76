/**
 * Turning the page's calls into collect events, and reading cookies — pure functions (no DOM) the pixel
 * composes, tested in node.
 */

/** The event names the collect endpoint knows (src/destinations/contract.ts; a test keeps them equal). */
export const EVENT_NAMES = [
  'PageVisit',
  'ViewContent',
  'Search',
  'AddToCart',
  'AddToWishlist',
  'Purchase',
  'Lead',
  'SignUp',
  'Custom',
] as const;

/** Cookies the server reads from the body when its Cookie header lacks them (e.g. set by the platforms' own pixels). */
export const AD_COOKIES = ['_fbp', '_fbc', '_ttp', '_scid', '_rdt_uuid', '_epik', '_gcl_aw', '_uetmsclkid'];
export const ANALYTICS_COOKIES = ['_ga'];
export const VISITOR_COOKIE = '_tb_vid';

export interface Consent {
  ads?: boolean;
  analytics?: boolean;
}

export interface Identity {
  email?: string;
  phone?: string;
  externalId?: string;
}

export interface CollectEvent {
  eventName: string;
  eventId?: string;
  eventTime: number;
  customEventName?: string;
  customData?: Record<string, unknown>;
  url: string;
  userData?: Identity;
}

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value !== '' ? value.slice(0, max) : undefined;
const id = (value: unknown): string | number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : str(value, 200);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;

function compact(record: Loose): Loose {
  const out: Loose = {};
  for (const key in record) if (record[key] !== undefined) out[key] = record[key];
  return out;
}

/**
 * The documented custom data fields, with the types the endpoint accepts. The server refuses a whole
 * request when one event is invalid, so a shop's stray field or a string price must not cost the page
 * views that travel with it: unknown fields are dropped and mistyped ones left out.
 */
export function cleanCustomData(raw: unknown): Loose | undefined {
  if (!isObject(raw)) return undefined;
  let contents: Loose[] | undefined;
  if (Array.isArray(raw.contents)) {
    contents = [];
    for (const item of raw.contents.slice(0, 500) as unknown[]) {
      if (!isObject(item) || id(item.id) === undefined) continue;
      contents.push(
        compact({
          id: id(item.id),
          quantity: count(item.quantity),
          price: num(item.price),
          name: str(item.name, 500),
          category: str(item.category, 500),
          brand: str(item.brand, 200),
        }),
      );
    }
  }
  const currency =
    typeof raw.currency === 'string' && /^[A-Za-z]{3}$/.test(raw.currency) ? raw.currency : undefined;
  const data = compact({
    value: num(raw.value),
    currency,
    orderId: id(raw.orderId),
    contents,
    numItems: count(raw.numItems),
    searchString: str(raw.searchString, 1000),
    contentType: str(raw.contentType, 100),
    contentName: str(raw.contentName, 500),
    contentCategory: str(raw.contentCategory, 500),
  });
  return Object.keys(data).length ? data : undefined;
}

/** `identify`'s argument, reduced to the three fields the pixel may carry. */
export function cleanIdentity(raw: unknown): Identity | undefined {
  if (!isObject(raw)) return undefined;
  const externalId = typeof raw.externalId === 'number' ? id(raw.externalId) : str(raw.externalId, 512);
  const identity = compact({
    email: str(raw.email, 320),
    phone: str(raw.phone, 64),
    externalId: externalId === undefined ? undefined : String(externalId),
  }) as Identity;
  return Object.keys(identity).length ? identity : undefined;
}

/**
 * `track(name, customData, {eventId})` as a collect event, or null when the name is not usable. A name
 * outside EVENT_NAMES is a Custom event under that name. A Purchase with an order id and no event id
 * leaves eventId out: the server then uses `purchase_<orderId>`, the id of the shop's server-side
 * purchase, so the platforms deduplicate the two.
 */
export function buildEvent(
  name: unknown,
  customData: unknown,
  options: unknown,
  url: string,
  nowMs: number,
  newId: () => string,
  identity: Identity | undefined,
): CollectEvent | null {
  if (typeof name !== 'string' || name === '' || name.length > 100) return null;
  const known = (EVENT_NAMES as readonly string[]).indexOf(name) >= 0;
  const data = cleanCustomData(customData);
  const given = isObject(options) ? str(options.eventId, 200) : undefined;
  const serverAssigned = name === 'Purchase' && data !== undefined && data.orderId !== undefined;
  const event: CollectEvent = {
    eventName: known ? name : 'Custom',
    eventTime: Math.floor(nowMs / 1000),
    url,
  };
  const eventId = given ?? (serverAssigned ? undefined : newId());
  if (eventId !== undefined) event.eventId = eventId;
  if (!known) event.customEventName = name;
  if (data) event.customData = data;
  if (identity) event.userData = identity;
  return event;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** An event id from random bytes: `px_` and one base64url character per byte. */
export function eventIdFrom(bytes: ArrayLike<number>): string {
  let out = 'px_';
  for (let i = 0; i < bytes.length; i++) out += ALPHABET[bytes[i]! & 63];
  return out;
}

/** The named cookies present in a `document.cookie` string (first occurrence wins, values decoded when possible). */
export function readCookies(cookieString: string, names: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (const part of cookieString.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (names.indexOf(name) < 0 || name in found) continue;
    const raw = part.slice(eq + 1).trim();
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // A cookie another script wrote without encoding: sent as it is.
    }
    if (value !== '') found[name] = value.slice(0, 512);
  }
  return found;
}

/** Which cookies the consent lets the pixel read: none of the ad cookies when ads are refused, and so on. */
export function cookieNames(consent: Consent | null): string[] {
  const ads = consent?.ads !== false;
  const analytics = consent?.analytics !== false;
  return [
    ...(ads ? AD_COOKIES : []),
    ...(analytics ? ANALYTICS_COOKIES : []),
    ...(ads || analytics ? [VISITOR_COOKIE] : []),
  ];
}

/** A page view is counted once per distinct URL; the fragment does not make a new page. */
export function pageKey(href: string): string {
  const hash = href.indexOf('#');
  return hash < 0 ? href : href.slice(0, hash);
}
