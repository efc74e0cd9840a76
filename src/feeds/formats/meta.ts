/**
 * Meta (Facebook) catalogue CSV (developers.facebook.com/docs/marketing-api/catalog/reference): a header
 * row, then one product per row; RFC 4180 quoting; availability spelled with spaces.
 */
import { cleanText, type FeedItem } from '../item.js';

export const META_COLUMNS = [
  'id',
  'title',
  'description',
  'availability',
  'condition',
  'price',
  'link',
  'image_link',
  'brand',
  'sale_price',
  'sale_price_effective_date',
  'item_group_id',
  'gtin',
  'mpn',
  'additional_image_link',
  'product_type',
] as const;

export const META_AVAILABILITY = {
  in_stock: 'in stock',
  out_of_stock: 'out of stock',
  backorder: 'available for order',
  preorder: 'preorder',
} as const;

/** One RFC 4180 field: quoted when it holds a comma, quote, CR, LF or surrounding space; quotes doubled. */
export function csvField(value: string): string {
  const text = cleanText(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const row = (fields: readonly string[]): string => `${fields.map(csvField).join(',')}\r\n`;

export const META_HEADER = row(META_COLUMNS);

export function metaRow(item: FeedItem): string {
  const values: Record<(typeof META_COLUMNS)[number], string> = {
    id: item.id,
    title: item.title,
    description: item.description,
    availability: META_AVAILABILITY[item.availability],
    condition: item.condition,
    price: `${item.price} ${item.currency}`,
    link: item.link,
    image_link: item.imageLink ?? '',
    brand: item.brand ?? '',
    sale_price: item.salePrice ? `${item.salePrice} ${item.currency}` : '',
    sale_price_effective_date:
      item.salePrice && item.saleFrom && item.saleTo ? `${item.saleFrom}/${item.saleTo}` : '',
    item_group_id: item.groupId ?? '',
    gtin: item.gtin ?? '',
    mpn: item.mpn ?? '',
    additional_image_link: item.additionalImageLinks.join(','),
    product_type: item.categories.join(' > '),
  };
  return row(META_COLUMNS.map((c) => values[c]));
}
