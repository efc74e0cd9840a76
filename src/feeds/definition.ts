/** What a feed definition is (its stored row parsed) and the rules its fields follow. */
import { Type } from 'typebox';
import type { FeedRow } from '../storage/schema.js';

export const FEED_FORMATS = ['google', 'meta', 'json'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export function isFeedFormat(value: string): value is FeedFormat {
  return (FEED_FORMATS as readonly string[]).includes(value);
}

export interface FeedFilters {
  /** Only products whose availability is in_stock. */
  inStockOnly?: boolean;
  /** Only products in at least one of these categories (case-insensitive). */
  categories?: string[];
  minPrice?: number;
  maxPrice?: number;
}

export interface FeedOverrides {
  /** The brand of products that have none. */
  brand?: string;
  /** The condition of products that have none (default new). */
  condition?: 'new' | 'refurbished' | 'used';
}

export interface FeedDefinition {
  id: string;
  orgId: string;
  channelId: string;
  slug: string;
  name: string;
  format: FeedFormat;
  filters: FeedFilters;
  overrides: FeedOverrides;
  published: boolean;
  contentVersion: number;
}

/** Lower-case letters, digits and inner hyphens, 3–100 characters. */
export const SLUG_PATTERN = '^[a-z0-9](?:[a-z0-9-]{1,98})[a-z0-9]$';
export const SLUG_RE = new RegExp(SLUG_PATTERN);

export const FeedFormatSchema = Type.Union(
  [Type.Literal('google'), Type.Literal('meta'), Type.Literal('json')],
  { description: 'google: Google Merchant RSS 2.0; meta: Meta catalogue CSV; json: see docs/feeds.md.' },
);

export const FeedFiltersSchema = Type.Object(
  {
    inStockOnly: Type.Optional(Type.Boolean({ description: 'Only products in stock.' })),
    categories: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        maxItems: 100,
        description: 'Only products in one of these categories (case-insensitive).',
      }),
    ),
    minPrice: Type.Optional(Type.Number({ minimum: 0 })),
    maxPrice: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const FeedOverridesSchema = Type.Object(
  {
    brand: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Brand of products without one.' }),
    ),
    condition: Type.Optional(
      Type.Union([Type.Literal('new'), Type.Literal('refurbished'), Type.Literal('used')], {
        description: 'Condition of products without one (default new).',
      }),
    ),
  },
  { additionalProperties: false },
);

function parseObject<T>(raw: string): T {
  try {
    const value: unknown = JSON.parse(raw);
    return (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as T;
  } catch {
    return {} as T;
  }
}

export function feedDefinition(row: FeedRow): FeedDefinition {
  return {
    id: row.id,
    orgId: row.org_id,
    channelId: row.channel_id,
    slug: row.slug,
    name: row.name,
    format: isFeedFormat(row.format) ? row.format : 'json',
    filters: parseObject<FeedFilters>(row.filters),
    overrides: parseObject<FeedOverrides>(row.overrides),
    published: row.published === 1,
    contentVersion: Number(row.content_version),
  };
}

/** The public address of a feed. */
export function feedPublicUrl(publicBaseUrl: string, slug: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/api/public/feeds/${slug}`;
}
