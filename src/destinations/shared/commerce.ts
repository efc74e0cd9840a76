import type { ContentItem, CustomData } from '../contract.js';
import { normalizeCurrency } from '../normalize/currency.js';

/**
 * Commerce fields read defensively: custom data is "kept as sent", so a field of the wrong type or an
 * empty one is treated as absent rather than forwarded for the platform to reject the batch.
 */
export interface Commerce {
  value?: number;
  currency?: string;
  orderId?: string;
  contents: ContentItem[];
  numItems?: number;
  searchString?: string;
  contentType?: string;
  contentName?: string;
  contentCategory?: string;
}

/** A non-empty trimmed string from custom data (a finite number reads as its decimal string). */
export function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A finite number from custom data, else undefined. */
export function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function item(raw: unknown): ContentItem | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const record = raw as Record<string, unknown>;
  const id = text(record.id);
  if (id === undefined) return undefined;
  const out: ContentItem = { id };
  const quantity = count(record.quantity);
  if (quantity !== undefined) out.quantity = quantity;
  const price = finite(record.price);
  if (price !== undefined) out.price = price;
  const name = text(record.name);
  if (name !== undefined) out.name = name;
  const category = text(record.category);
  if (category !== undefined) out.category = category;
  const brand = text(record.brand);
  if (brand !== undefined) out.brand = brand;
  return out;
}

export function commerce(data: CustomData): Commerce {
  const contents = Array.isArray(data.contents)
    ? data.contents.map(item).filter((c): c is ContentItem => c !== undefined)
    : [];
  const out: Commerce = { contents };
  const value = finite(data.value);
  if (value !== undefined) out.value = value;
  const currency = typeof data.currency === 'string' ? normalizeCurrency(data.currency) : undefined;
  if (currency !== undefined) out.currency = currency;
  // Field by field, not a loop over Object.entries: this runs for every event of every batch.
  const orderId = text(data.orderId);
  if (orderId !== undefined) out.orderId = orderId;
  const searchString = text(data.searchString);
  if (searchString !== undefined) out.searchString = searchString;
  const contentType = text(data.contentType);
  if (contentType !== undefined) out.contentType = contentType;
  const contentName = text(data.contentName);
  if (contentName !== undefined) out.contentName = contentName;
  const contentCategory = text(data.contentCategory);
  if (contentCategory !== undefined) out.contentCategory = contentCategory;
  const numItems = count(data.numItems);
  if (numItems !== undefined) out.numItems = numItems;
  return out;
}

/**
 * A money amount as a decimal string (Pinterest `value`/`item_price`, Snap `item_price`): the shortest
 * round-trip form, so 129.99 is "129.99" and 5 is "5".
 */
export function decimalString(value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const plain = String(value);
  // Exponent notation ("1e-7") is not a decimal the platforms parse; fall back to cents.
  return /e/iu.test(plain) ? value.toFixed(2) : plain;
}
