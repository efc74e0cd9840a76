import { type Static, Type } from 'typebox';
import type { ConfigResult } from '../contract.js';
import { commonFields, credentialString, parseConfigWith } from '../shared/config.js';

/** Pinterest's `event_name` enum (PIN-OAS): overrides must be one of these or Pinterest rejects the event. */
export const PINTEREST_EVENT_ENUM = [
  'add_payment_info',
  'add_to_cart',
  'add_to_wishlist',
  'app_install',
  'checkout',
  'custom',
  'initiate_checkout',
  'lead',
  'page_visit',
  'search',
  'signup',
  'subscribe',
  'view_category',
  'view_content',
  'watch_video',
] as const;

export const pinterestConfigSchema = Type.Object(
  {
    adAccountId: credentialString({
      description: 'Ad account ID from Pinterest Ads Manager.',
      pattern: '^[0-9]+$',
    }),
    accessToken: credentialString({ description: 'Conversion access token from Ads Manager.', secret: true }),
    testMode: Type.Optional(
      Type.Boolean({ description: 'Send with ?test=true: Pinterest validates but does not record events.' }),
    ),
    ...commonFields(Type.Enum(PINTEREST_EVENT_ENUM)),
  },
  { additionalProperties: false, title: 'Pinterest Conversions API' },
);

export type PinterestConfig = Static<typeof pinterestConfigSchema>;

export function parsePinterestConfig(raw: unknown): ConfigResult<PinterestConfig> {
  return parseConfigWith(pinterestConfigSchema, raw);
}
