/**
 * The JSON feed: `{"generatedAt", "feed": {...}, "products": [...], "count"}`, streamed product by
 * product. FEED_JSON_SCHEMA is its contract; docs/feeds.md carries the same schema (a test compares them).
 */
import type { FeedItem } from '../item.js';

export const FEED_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://tagbridge.dev/schemas/feed.json',
  title: 'Tagbridge product feed',
  type: 'object',
  required: ['generatedAt', 'feed', 'products', 'count'],
  additionalProperties: false,
  properties: {
    generatedAt: { type: 'string', format: 'date-time' },
    feed: {
      type: 'object',
      required: ['slug', 'name'],
      additionalProperties: false,
      properties: { slug: { type: 'string' }, name: { type: 'string' } },
    },
    products: { type: 'array', items: { $ref: '#/$defs/product' } },
    count: { type: 'integer', minimum: 0, description: 'The number of products.' },
  },
  $defs: {
    price: { type: 'string', pattern: '^[0-9]+\\.[0-9]{2}$' },
    product: {
      type: 'object',
      required: ['id', 'title', 'description', 'link', 'price', 'currency', 'availability', 'condition'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', minLength: 1 },
        groupId: { type: ['string', 'null'], description: 'The parent product of a variant.' },
        title: { type: 'string' },
        description: { type: 'string', description: 'Plain text.' },
        link: { type: 'string', format: 'uri' },
        imageLink: { type: ['string', 'null'], format: 'uri' },
        additionalImageLinks: { type: 'array', items: { type: 'string', format: 'uri' } },
        price: { $ref: '#/$defs/price' },
        currency: { type: 'string', pattern: '^[A-Z]{3}$' },
        salePrice: { anyOf: [{ $ref: '#/$defs/price' }, { type: 'null' }] },
        salePriceEffectiveDate: {
          type: ['object', 'null'],
          required: ['from', 'to'],
          additionalProperties: false,
          properties: {
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
          },
        },
        availability: { enum: ['in_stock', 'out_of_stock', 'backorder', 'preorder'] },
        condition: { enum: ['new', 'refurbished', 'used'] },
        brand: { type: ['string', 'null'] },
        gtin: { type: ['string', 'null'] },
        mpn: { type: ['string', 'null'] },
        categories: { type: 'array', items: { type: 'string' } },
        shippingWeight: { type: ['string', 'null'] },
        attributes: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
  },
} as const;

export function jsonHeader(feed: { slug: string; name: string }, generatedAt: string): string {
  return `{"generatedAt":${JSON.stringify(generatedAt)},"feed":${JSON.stringify({ slug: feed.slug, name: feed.name })},"products":[\n`;
}

export function jsonFooter(count: number): string {
  return `\n],"count":${count}}\n`;
}

export function jsonProduct(item: FeedItem, first: boolean): string {
  return `${first ? '' : ',\n'}${JSON.stringify({
    id: item.id,
    groupId: item.groupId,
    title: item.title,
    description: item.description,
    link: item.link,
    imageLink: item.imageLink,
    additionalImageLinks: item.additionalImageLinks,
    price: item.price,
    currency: item.currency,
    salePrice: item.salePrice,
    salePriceEffectiveDate:
      item.salePrice && item.saleFrom && item.saleTo ? { from: item.saleFrom, to: item.saleTo } : null,
    availability: item.availability,
    condition: item.condition,
    brand: item.brand,
    gtin: item.gtin,
    mpn: item.mpn,
    categories: item.categories,
    shippingWeight: item.shippingWeight,
    attributes: item.attributes,
  })}`;
}
