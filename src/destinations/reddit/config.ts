import { type Static, Type } from 'typebox';
import type { ConfigResult } from '../contract.js';
import { commonFields, credentialString, parseConfigWith } from '../shared/config.js';

export const redditConfigSchema = Type.Object(
  {
    pixelId: credentialString({
      description: 'Reddit Pixel ID (e.g. t2_abc123).',
      pattern: '^[A-Za-z0-9_-]+$',
    }),
    accessToken: credentialString({ description: 'Conversion access token.', secret: true }),
    testId: Type.Optional(
      credentialString({ description: 'Test ID from Events Manager: events are shown, not counted.' }),
    ),
    // A v3 tracking type (PURCHASE…) or any other text, which is sent as a CUSTOM event of that name.
    ...commonFields(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false, title: 'Reddit Conversions API' },
);

export type RedditConfig = Static<typeof redditConfigSchema>;

export function parseRedditConfig(raw: unknown): ConfigResult<RedditConfig> {
  return parseConfigWith(redditConfigSchema, raw);
}
