import { type Static, Type } from 'typebox';
import type { ConfigResult } from '../contract.js';
import { commonFields, credentialString, parseConfigWith } from '../shared/config.js';

/** The Graph API version the product targets; configurable because Meta retires versions after ~2 years. */
export const META_DEFAULT_API_VERSION = 'v21.0';

export const metaConfigSchema = Type.Object(
  {
    pixelId: credentialString({
      description: 'Pixel (dataset) ID from Events Manager.',
      pattern: '^[0-9]+$',
    }),
    accessToken: credentialString({ description: 'Conversions API access token.', secret: true }),
    testEventCode: Type.Optional(
      credentialString({
        description: 'Test event code from Events Manager → Test events (e.g. TEST12345).',
      }),
    ),
    apiVersion: Type.Optional(
      Type.String({
        pattern: '^v[0-9]+\\.[0-9]+$',
        default: META_DEFAULT_API_VERSION,
        description: 'Graph API version.',
      }),
    ),
    // Meta accepts any event name (custom events are free-form), so overrides are free text.
    ...commonFields(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false, title: 'Meta Conversions API' },
);

export type MetaConfig = Static<typeof metaConfigSchema>;

export function parseMetaConfig(raw: unknown): ConfigResult<MetaConfig> {
  return parseConfigWith(metaConfigSchema, raw);
}
