/**
 * From a stored product to a feed item: the checks every format shares (price, link, …), the filters of
 * the feed definition and its field overrides. Pure: the formats only lay the item out.
 */
import type { FeedProduct } from '../storage/repos/feeds.js';
import type { FeedDefinition, FeedFormat } from './definition.js';

export type Availability = 'in_stock' | 'out_of_stock' | 'backorder' | 'preorder';
const AVAILABILITIES: ReadonlySet<string> = new Set(['in_stock', 'out_of_stock', 'backorder', 'preorder']);
const CONDITIONS: ReadonlySet<string> = new Set(['new', 'refurbished', 'used']);

export interface FeedItem {
  id: string;
  groupId: string | null;
  title: string;
  /** Plain text (tags stripped, whitespace collapsed); the title when the product has none. */
  description: string;
  link: string;
  imageLink: string | null;
  additionalImageLinks: string[];
  /** Two decimals: "15.00". */
  price: string;
  currency: string;
  salePrice: string | null;
  /** ISO 8601 start and end, when the sale has both dates. */
  saleFrom: string | null;
  saleTo: string | null;
  availability: Availability;
  condition: 'new' | 'refurbished' | 'used';
  brand: string | null;
  gtin: string | null;
  mpn: string | null;
  categories: string[];
  shippingWeight: string | null;
  attributes: Record<string, string>;
}

/** A field a product lacked, so the feed left it out (the management view counts them per field). */
export type SkipReason = 'price' | 'currency' | 'link' | 'title' | 'image_link' | 'id';

export type Prepared =
  | { kind: 'item'; item: FeedItem }
  | { kind: 'skip'; reasons: SkipReason[] }
  | { kind: 'filtered' };

/** Decimal string → "15.00" (half-up, no floating point); null when it is not a non-negative decimal. */
export function twoDecimals(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const match = /^\s*(\d{1,15})(?:[.,](\d*))?\s*$/.exec(value);
  if (!match) return null;
  const fraction = (match[2] ?? '').padEnd(3, '0');
  let cents = BigInt(match[1]!) * 100n + BigInt(fraction.slice(0, 2));
  if (Number(fraction[2]) >= 5) cents += 1n;
  const whole = cents / 100n;
  const rest = cents % 100n;
  return `${whole}.${rest.toString().padStart(2, '0')}`;
}

/** Characters XML 1.0 does not allow, and C0/C1 controls other than tab and newlines, which feeds never want. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFFFE\uFFFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Non-global twins for the fast path (a global regex's test() is stateful). Most text needs no change, and
// a feed of 100,000 products would otherwise allocate a copy of every field for nothing.
const HAS_CONTROL = new RegExp(CONTROL.source.replace('\\uFFFE', '\\uD800-\\uDFFF\\uFFFE'));

/** Removes characters invalid in XML 1.0 (and other controls); keeps tab, CR and LF. */
export function cleanText(value: string): string {
  if (!HAS_CONTROL.test(value)) return value;
  return value.replace(CONTROL, '').replace(LONE_SURROGATE, '');
}

/**
 * Plain text from what may still carry HTML (the sync strips it; a feed must not trust that): scripts and
 * tags dropped, the common entities decoded once, runs of spaces collapsed; line breaks kept (at most one
 * blank line), as both platforms accept them in descriptions.
 */
export function plainText(value: string): string {
  if (!/[<&\r\n\t\f\v]| {2}|^\s|\s$/.test(value)) return cleanText(value);
  return cleanText(value)
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>|<\/(?:p|li|div|h[1-6])\s*>/gi, '\n')
    .replace(/<\/?[a-zA-Z][^<>]*>/g, '')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#0*39;|&apos;/gi, "'")
    .replace(/&amp;/gi, '&')
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** One line of text: controls removed, every run of whitespace (newlines too) one space. */
export function oneLine(value: string): string {
  const cleaned = cleanText(value);
  return /[^\S ]| {2}|^ | $/.test(cleaned) ? cleaned.replace(/\s+/g, ' ').trim() : cleaned;
}

/** At most `max` characters (code points, so a surrogate pair is never cut in half). */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const points = Array.from(value);
  return points.length <= max ? value : points.slice(0, max).join('');
}

function jsonArray(value: string | null): string[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string' && x !== '') : [];
  } catch {
    return [];
  }
}

function jsonObject(value: string | null): Record<string, string> {
  if (!value) return {};
  try {
    const parsed: unknown = JSON.parse(value);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed))
      if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
    return out;
  } catch {
    return {};
  }
}

const nonEmpty = (value: string | null | undefined): string | null => {
  const cleaned = value === null || value === undefined ? '' : oneLine(value);
  return cleaned === '' ? null : cleaned;
};

const httpUrl = (value: string | null | undefined): string | null => {
  const cleaned = nonEmpty(value);
  return cleaned && /^https?:\/\/\S+$/i.test(cleaned) ? cleaned : null;
};

const isoSeconds = (ms: number): string => new Date(Number(ms)).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Per-format limits and required fields. */
const RULES: Record<FeedFormat, { id: number; title: number; description: number; needsImage: boolean }> = {
  // Google: id ≤ 50, title ≤ 150, description ≤ 5000; image_link required.
  google: { id: 50, title: 150, description: 5000, needsImage: true },
  // Meta: id ≤ 100, title ≤ 200, description ≤ 9999; image_link required.
  meta: { id: 100, title: 200, description: 9999, needsImage: true },
  json: { id: 255, title: 1000, description: 20000, needsImage: false },
};

/**
 * The item for `product` in `definition`'s feed, `filtered` when the definition's filters exclude it, or
 * `skip` with every required field it lacks.
 */
export function prepareItem(product: FeedProduct, definition: FeedDefinition, now: number): Prepared {
  const { filters, overrides, format } = definition;
  const rules = RULES[format];
  const availability: Availability = AVAILABILITIES.has(product.availability)
    ? (product.availability as Availability)
    : 'out_of_stock';
  const categories = jsonArray(product.categories)
    .map((c) => cleanText(c).trim())
    .filter(Boolean);
  const price = twoDecimals(product.price);
  if (filters.inStockOnly && availability !== 'in_stock') return { kind: 'filtered' };
  if (filters.categories && filters.categories.length > 0) {
    const wanted = new Set(filters.categories.map((c) => c.toLowerCase()));
    if (!categories.some((c) => wanted.has(c.toLowerCase()))) return { kind: 'filtered' };
  }
  if (price !== null && (filters.minPrice !== undefined || filters.maxPrice !== undefined)) {
    const value = Number(price);
    if (filters.minPrice !== undefined && value < filters.minPrice) return { kind: 'filtered' };
    if (filters.maxPrice !== undefined && value > filters.maxPrice) return { kind: 'filtered' };
  }

  const reasons: SkipReason[] = [];
  const id = nonEmpty(product.external_id);
  if (!id || id.length > rules.id) reasons.push('id');
  const title = nonEmpty(oneLine(product.title));
  if (!title && format !== 'json') reasons.push('title');
  const link = httpUrl(product.link);
  if (!link) reasons.push('link');
  if (price === null) reasons.push('price');
  const currency = nonEmpty(product.currency)?.toUpperCase() ?? null;
  if (price !== null && (!currency || !/^[A-Z]{3}$/.test(currency))) reasons.push('currency');
  const imageLink = httpUrl(product.image_link);
  if (!imageLink && rules.needsImage) reasons.push('image_link');
  if (reasons.length > 0) return { kind: 'skip', reasons };

  let salePrice = twoDecimals(product.sale_price);
  // A sale that has ended, or is not lower than the price, is no sale.
  if (
    salePrice !== null &&
    (Number(salePrice) >= Number(price) || (product.sale_to !== null && product.sale_to < now))
  ) {
    salePrice = null;
  }
  const withDates = salePrice !== null && product.sale_from !== null && product.sale_to !== null;
  const plain = plainText(product.description ?? '');
  const description = plain !== '' ? plain : (title ?? '');
  const condition = nonEmpty(product.condition)?.toLowerCase() ?? overrides.condition ?? 'new';
  const gtin = nonEmpty(product.gtin);
  return {
    kind: 'item',
    item: {
      id: id!,
      groupId: nonEmpty(product.group_id),
      title: truncate(title ?? '', rules.title),
      description: truncate(description, rules.description),
      link: link!,
      imageLink,
      additionalImageLinks: jsonArray(product.additional_image_links)
        .map((u) => httpUrl(u))
        .filter((u): u is string => u !== null)
        .slice(0, 10),
      price: price!,
      currency: currency!,
      salePrice,
      saleFrom: withDates ? isoSeconds(product.sale_from!) : null,
      saleTo: withDates ? isoSeconds(product.sale_to!) : null,
      availability,
      condition: (CONDITIONS.has(condition) ? condition : 'new') as FeedItem['condition'],
      brand: nonEmpty(product.brand) ?? overrides.brand ?? null,
      gtin: gtin && /^\d{8,14}$/.test(gtin.replace(/[\s-]/g, '')) ? gtin.replace(/[\s-]/g, '') : null,
      mpn: nonEmpty(product.mpn),
      categories,
      shippingWeight: nonEmpty(product.shipping_weight),
      attributes: jsonObject(product.attributes),
    },
  };
}
