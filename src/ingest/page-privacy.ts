/**
 * Personal data outside the personal fields (issue 14 §3): a page URL's query string and fragment
 * (`?email=…`, WooCommerce's order-received `key`, search terms, `#access_token=…`) and customData's
 * free text (a search string, a note) or any value that looks like an e-mail address or a phone number.
 * They go into the event's seal beside the personal fields (ingest/sealed-payload.ts `s`), so destinations
 * still get the event exactly as sent while the seal exists; the stored columns keep only what diagnostics
 * and statistics need: the page's origin and path, and the commerce fields. The rule is in docs/privacy.md.
 */

/** What moves into the seal: the full page URL, and the customData fields taken out of the clear column. */
export interface SealedPageData {
  url?: string;
  cd?: Record<string, unknown>;
}

export interface ProtectedPageData {
  /** For `events.event_source_url`: origin and path, no query, no fragment (null without a URL). */
  url: string | null;
  /** For `events.custom_data`: customData without the fields that went into the seal. */
  customData: Record<string, unknown> | undefined;
  /** Nothing to seal: undefined. */
  sealed: SealedPageData | undefined;
}

/**
 * customData keys whose value is free text a shopper typed (compared lower-case without `_`, `-`): always
 * sealed, whatever the value looks like.
 */
const FREE_TEXT_KEYS = new Set([
  'searchstring',
  'searchterm',
  'searchquery',
  'search',
  'query',
  'q',
  'note',
  'notes',
  'comment',
  'comments',
  'message',
  'customernote',
  'ordernote',
  'email',
  'phone',
  'name',
  'firstname',
  'lastname',
  'fullname',
  'address',
  'billing',
  'shipping',
  'customer',
]);

/** Commerce identifiers: digits with dashes there are order or product numbers, not phone numbers. */
const IDENTIFIER_KEYS = new Set([
  'orderid',
  'transactionid',
  'contentids',
  'contents',
  'contentid',
  'sku',
  'currency',
  'value',
]);

const EMAIL = /[^\s@"'<>(),;:/?#&=]+@[^\s@"'<>(),;:/?#&=]+\.[a-z]{2,}/iu;
// A phone number in free text: `+` then 7–15 digits with the usual separators; or a whole value of 7–15
// digits written with separators (`(650) 555-1212`, `020 7946 0958`).
const PHONE_IN_TEXT = /\+\s?\d[\d\s().-]{5,20}\d/u;
const PHONE_VALUE = /^\(?\+?\d[\d\s().-]{5,22}\d$/u;
// Dates are digits with separators too.
const DATE = /^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{4}$/u;

function digitCount(text: string): number {
  return text.replace(/\D/gu, '').length;
}

/** True when a string looks like an e-mail address or (unless `identifier`) a phone number. */
export function looksPersonal(text: string, identifier = false): boolean {
  if (text.includes('@') && EMAIL.test(text)) return true;
  if (identifier) return false;
  const phone = PHONE_IN_TEXT.exec(text)?.[0];
  if (phone && digitCount(phone) >= 7 && digitCount(phone) <= 15) return true;
  const trimmed = text.trim();
  if (DATE.test(trimmed)) return false;
  return (
    PHONE_VALUE.test(trimmed) &&
    /[\s().-]/u.test(trimmed) &&
    digitCount(trimmed) >= 7 &&
    digitCount(trimmed) <= 15
  );
}

// This and protectPageData run for every field of every ingested event's customData: loops over the values
// in place, not over arrays Object.values / Object.entries would make of them.
function holdsPersonal(value: unknown, identifier: boolean, depth = 0): boolean {
  if (typeof value === 'string') return looksPersonal(value, identifier);
  if (depth > 8 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsPersonal(item, identifier, depth + 1)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) if (holdsPersonal(record[key], identifier, depth + 1)) return true;
  return false;
}

/**
 * Keys already normalized: shops send the same few names with every event. Bounded (past it, computed), and
 * only names shaped like a field name are kept: a key is the sender's text too, and one holding an address
 * or a number must not stay in the process's memory.
 */
const NORMALIZED_KEYS = new Map<string, string>();
const NORMALIZED_KEYS_MAX = 1000;
const FIELD_NAME = /^[A-Za-z][A-Za-z_-]{0,39}$/u;

function normalizedKey(key: string): string {
  const known = NORMALIZED_KEYS.get(key);
  if (known !== undefined) return known;
  const name = key.toLowerCase().replace(/[_-]/gu, '');
  if (NORMALIZED_KEYS.size < NORMALIZED_KEYS_MAX && FIELD_NAME.test(key)) NORMALIZED_KEYS.set(key, name);
  return name;
}

/** Query parameters kept in clear: campaign names (the attribution report stores the same in clear). */
const CLEAR_PARAMETERS = ['utm_source', 'utm_medium', 'utm_campaign'];

/**
 * Origin and path of a page URL (what the event log and diagnostics show), with only the campaign
 * parameters of its query (`utm_source`, `utm_medium`, `utm_campaign`, unless they look personal) and no
 * fragment.
 */
export function clearPageUrl(url: string): string {
  let clear: string;
  try {
    const parsed = new URL(url);
    clear =
      parsed.origin === 'null'
        ? `${parsed.protocol}${parsed.pathname}`
        : `${parsed.origin}${parsed.pathname}`;
    const kept = new URLSearchParams();
    for (const name of CLEAR_PARAMETERS) {
      const value = parsed.searchParams.get(name);
      if (value !== null && !looksPersonal(value)) kept.set(name, value);
    }
    if (kept.size > 0 && !looksPersonal(decodeSafely(clear))) return `${clear}?${kept}`;
  } catch {
    clear = url.split(/[?#]/u)[0] ?? '';
  }
  // A path can hold an address too (`/account/jane@example.com`): then only the origin stays.
  if (looksPersonal(decodeSafely(clear))) {
    try {
      return new URL(url).origin;
    } catch {
      return '';
    }
  }
  return clear;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function protectPageData(
  url: string | null | undefined,
  customData: Record<string, unknown> | undefined,
): ProtectedPageData {
  const sealed: SealedPageData = {};
  let clearUrl: string | null = null;
  if (typeof url === 'string' && url !== '') {
    clearUrl = clearPageUrl(url);
    if (clearUrl !== url) sealed.url = url;
  }
  let clearData = customData;
  if (customData) {
    for (const key in customData) {
      const value = customData[key];
      const name = normalizedKey(key);
      if (FREE_TEXT_KEYS.has(name) || holdsPersonal(value, IDENTIFIER_KEYS.has(name))) {
        if (clearData === customData) clearData = { ...customData };
        delete (clearData as Record<string, unknown>)[key];
        sealed.cd ??= {};
        sealed.cd[key] = value;
      }
    }
  }
  return {
    url: clearUrl,
    customData: clearData,
    sealed: sealed.url === undefined && sealed.cd === undefined ? undefined : sealed,
  };
}

/** customData as sent: the clear column with the sealed fields put back (delivery). */
export function restoreCustomData(
  clear: Record<string, unknown>,
  sealed: SealedPageData | undefined,
): Record<string, unknown> {
  return sealed?.cd ? { ...clear, ...sealed.cd } : clear;
}
