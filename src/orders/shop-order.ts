/**
 * A shop order as both shop platforms describe it, reduced to what Tagbridge needs: its state (status,
 * paid, refunds) and what its Purchase carries (value, items, the buyer's data). `woocommerce.ts` and
 * `shopify.ts` read their platform's webhook bodies into it; nothing here knows either platform.
 */
import type { ContentItem, UserData } from '../destinations/types.js';
import { URL_CLICK_IDS } from '../ingest/diagnostics.js';

export const SHOP_PLATFORMS = ['woocommerce', 'shopify'] as const;
export type ShopPlatform = (typeof SHOP_PLATFORMS)[number];

export function isShopPlatform(value: string): value is ShopPlatform {
  return (SHOP_PLATFORMS as readonly string[]).includes(value);
}

export interface ShopRefund {
  /** The platform's refund id (unique within the order). */
  id: string;
  /** Positive, in the order's currency. */
  amount: number;
  /** Epoch ms. */
  at: number;
}

export interface ShopOrder {
  platform: ShopPlatform;
  /** The platform's order id as text (Shopify's exceed 2^53). */
  orderId: string;
  /** What the shop shows the buyer (`#1001`, `1001`). */
  orderNumber?: string | undefined;
  /** The platform's own status: WooCommerce `status`, Shopify `financial_status`. */
  status: string;
  /** Cancelled (Shopify `cancelled_at`) or deleted: never becomes a Purchase from now on. */
  cancelled: boolean;
  /** A test order (Shopify's bogus gateway): recorded, never sent. */
  test: boolean;
  currency?: string | undefined;
  total?: number | undefined;
  tax?: number | undefined;
  shipping?: number | undefined;
  /** Epoch ms. */
  orderedAt: number;
  /** When the shop recorded the payment (WooCommerce `date_paid`), epoch ms. */
  paidAt?: number | undefined;
  /** The order's own last-modified time, epoch ms: a late, older webhook must not win over a newer one. */
  modifiedAt: number;
  userData: UserData;
  /** The page the buyer landed on (its query carries click ids), absolute where known. */
  landingUrl?: string | undefined;
  contents: ContentItem[];
  refunds: ShopRefund[];
}

/** A JSON object as read from a webhook body (any shape: every field is checked where it is read). */
export type Json = Record<string, unknown>;

/** `value` if it is a JSON object, else an empty one (a missing or malformed part reads as absent). */
export function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

/** `value` if it is an array, else an empty one. */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A money string or number as a finite number (`"29.35"` → 29.35); undefined otherwise. */
export function money(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** A non-empty trimmed string, or undefined. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** An id that may be a number or (past 2^53, read losslessly) a string; `0` and empty are no id. */
export function idOf(value: unknown): string | undefined {
  const id = str(value);
  return id === undefined || id === '0' ? undefined : id;
}

/** ISO time to epoch ms. A time without an offset is read as UTC (WooCommerce's `*_gmt` fields). */
export function timeOf(value: unknown): number | undefined {
  const text = str(value);
  if (text === undefined) return undefined;
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const ms = Date.parse(hasZone ? text : `${text}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Click ids from the landing URL's query, for the keys the order's own data does not already carry.
 * `fbclid` becomes an `_fbc` value in Meta's format, dated when the order was placed (the click time is
 * not known; Meta takes the creation time of the value).
 */
export function clickIdsFromLanding(
  landingUrl: string | undefined,
  orderedAt: number,
  have: UserData,
): UserData {
  if (!landingUrl?.includes('=')) return {};
  let params: URLSearchParams;
  try {
    params = new URL(landingUrl, 'https://shop.invalid').searchParams;
  } catch {
    return {};
  }
  const found: UserData = {};
  for (const [param, key] of URL_CLICK_IDS) {
    const value = params.get(param)?.trim();
    if (!value || have[key] !== undefined) continue;
    found[key] = key === 'fbc' ? `fb.1.${orderedAt}.${value}` : value;
  }
  return found;
}

/**
 * Identifiers tracking plugins keep on the order (WooCommerce `meta_data`, Shopify `note_attributes`):
 * the cookie or parameter name → our user-data key. Names vary between plugins; these are the common ones.
 */
const STORED_IDS: Readonly<Record<string, keyof UserData>> = {
  _fbc: 'fbc',
  fbc: 'fbc',
  _fbp: 'fbp',
  fbp: 'fbp',
  _ttp: 'ttp',
  ttp: 'ttp',
  ttclid: 'ttclid',
  _ttclid: 'ttclid',
  epik: 'epik',
  _epik: 'epik',
  sccid: 'scClickId',
  _scclid: 'scClickId',
  scid: 'scClickId',
  _scid: 'scCookie1',
  rdt_cid: 'rdtClickId',
  _rdt_cid: 'rdtClickId',
  _rdt_uuid: 'rdtUuid',
  gclid: 'gclid',
  _gclid: 'gclid',
  gbraid: 'gbraid',
  _gbraid: 'gbraid',
  wbraid: 'wbraid',
  _wbraid: 'wbraid',
  msclkid: 'msclkid',
  _msclkid: 'msclkid',
  _ga: 'gaClientId',
  ga_client_id: 'gaClientId',
};

/** Identifiers from name/value pairs stored on the order (names compared without case). */
export function storedIds(pairs: ReadonlyArray<{ name: unknown; value: unknown }>): UserData {
  const found: UserData = {};
  for (const { name, value } of pairs) {
    const key = typeof name === 'string' ? STORED_IDS[name.trim().toLowerCase()] : undefined;
    const text = str(value);
    if (key === undefined || text === undefined || found[key] !== undefined) continue;
    // `_ga` is `GA1.1.<client id>`; GA4's mapping takes the cookie as it is.
    found[key] = text;
  }
  return found;
}

/** Defined, non-empty values only (a partial UserData built from optional fields). */
export function userDataOf(fields: Record<string, string | undefined>): UserData {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out as UserData;
}
