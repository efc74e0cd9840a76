/**
 * Google Merchant Center RSS 2.0 with the `g:` namespace (support.google.com/merchants/answer/160589 and
 * the product data specification, answer/7052112). Pure string building; the generator streams the parts.
 */
import { cleanText, type FeedItem } from '../item.js';

export const GOOGLE_NS = 'http://base.google.com/ns/1.0';

/** Escapes text for element content and attribute values, after removing characters XML 1.0 forbids. */
export function escapeXml(value: string): string {
  const cleaned = cleanText(value);
  if (!/[&<>"']/.test(cleaned)) return cleaned;
  return cleaned.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}

export function googleHeader(channel: { title: string; link: string; description: string }): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:g="${GOOGLE_NS}" version="2.0">\n<channel>\n` +
    `<title>${escapeXml(channel.title)}</title>\n<link>${escapeXml(channel.link)}</link>\n` +
    `<description>${escapeXml(channel.description)}</description>\n`
  );
}

export const GOOGLE_FOOTER = '</channel>\n</rss>\n';

const el = (name: string, value: string): string => `<g:${name}>${escapeXml(value)}</g:${name}>\n`;

/** Google's spelling of the variant attributes a store may carry under other names. */
const VARIANT_ATTRIBUTES: Record<string, 'color' | 'size' | 'material' | 'pattern' | 'gender' | 'age_group'> =
  {
    color: 'color',
    colour: 'color',
    size: 'size',
    material: 'material',
    pattern: 'pattern',
    gender: 'gender',
    age_group: 'age_group',
  };

export function googleItem(item: FeedItem): string {
  let out = '<item>\n';
  out += el('id', item.id);
  out += el('title', item.title);
  out += el('description', item.description);
  out += el('link', item.link);
  if (item.imageLink) out += el('image_link', item.imageLink);
  for (const url of item.additionalImageLinks) out += el('additional_image_link', url);
  out += el('availability', item.availability);
  out += el('price', `${item.price} ${item.currency}`);
  if (item.salePrice) {
    out += el('sale_price', `${item.salePrice} ${item.currency}`);
    if (item.saleFrom && item.saleTo)
      out += el('sale_price_effective_date', `${item.saleFrom}/${item.saleTo}`);
  }
  if (item.groupId) out += el('item_group_id', item.groupId);
  if (item.brand) out += el('brand', item.brand);
  if (item.gtin) out += el('gtin', item.gtin);
  if (item.mpn) out += el('mpn', item.mpn);
  if (!item.gtin && !item.mpn) out += el('identifier_exists', 'no');
  out += el('condition', item.condition);
  if (item.categories[0]) out += el('product_type', item.categories.join(' > '));
  if (item.shippingWeight) out += el('shipping_weight', item.shippingWeight);
  if (item.groupId) {
    const seen = new Set<string>();
    for (const [key, value] of Object.entries(item.attributes)) {
      const name = VARIANT_ATTRIBUTES[key.toLowerCase().replace(/^pa_/, '')];
      if (name && !seen.has(name) && value.trim()) {
        seen.add(name);
        out += el(name, value.trim());
      }
    }
  }
  return `${out}</item>\n`;
}
