/** What the management API and the CLI show of a feed definition. */
import { type Static, Type } from 'typebox';
import type { FeedRow } from '../storage/schema.js';
import {
  FeedFiltersSchema,
  FeedFormatSchema,
  FeedOverridesSchema,
  feedDefinition,
  feedPublicUrl,
} from './definition.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const NullableCount = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);

export const FeedSchema = Type.Object({
  id: Type.String({ description: 'fed_…' }),
  slug: Type.String({ description: 'Globally unique; the public URL ends with it.' }),
  name: Type.String(),
  channelId: Type.String({ description: 'The connected store (chn_…) whose catalogue the feed serves.' }),
  format: FeedFormatSchema,
  filters: FeedFiltersSchema,
  overrides: FeedOverridesSchema,
  published: Type.Boolean({ description: 'Unpublished feeds answer 404 at their public URL.' }),
  publicUrl: Type.String({ description: '<PUBLIC_BASE_URL>/api/public/feeds/<slug>' }),
  lastGeneratedAt: NullableTime,
  productCount: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: 'Products in the last generation.',
  }),
  skippedCount: Type.Union([NullableCount], {
    description: 'Products the last generation left out for lacking a required field.',
  }),
  skippedReasons: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
    description: 'Left-out products per missing field (price, currency, link, title, image_link, id).',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type FeedBody = Static<typeof FeedSchema>;

function reasons(raw: string | null): Record<string, number> {
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, number>) : {};
  } catch {
    return {};
  }
}

export function feedBody(row: FeedRow, publicBaseUrl: string): FeedBody {
  const definition = feedDefinition(row);
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    channelId: row.channel_id,
    format: definition.format,
    filters: definition.filters,
    overrides: definition.overrides,
    published: definition.published,
    publicUrl: feedPublicUrl(publicBaseUrl, row.slug),
    lastGeneratedAt: row.last_generated_at === null ? null : iso(Number(row.last_generated_at)),
    productCount: row.last_product_count,
    skippedCount: row.last_skipped_count,
    skippedReasons: reasons(row.last_skipped_reasons),
    createdAt: iso(Number(row.created_at)),
    updatedAt: iso(Number(row.updated_at)),
  };
}
