import { type Static, Type } from 'typebox';
import type { ConfigResult } from '../contract.js';
import { commonFields, credentialString, parseConfigWith } from '../shared/config.js';

export const tiktokConfigSchema = Type.Object(
  {
    pixelCode: credentialString({
      description: 'Pixel code (the pixel ID in TikTok Events Manager).',
      pattern: '^[A-Za-z0-9]+$',
    }),
    accessToken: credentialString({ description: 'Events API access token.', secret: true }),
    testEventCode: Type.Optional(
      credentialString({ description: 'Test event code from Events Manager → Test events.' }),
    ),
    // TikTok accepts any event name, so overrides are free text (e.g. `CompletePayment` for old pixels).
    ...commonFields(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false, title: 'TikTok Events API' },
);

export type TiktokConfig = Static<typeof tiktokConfigSchema>;

export function parseTiktokConfig(raw: unknown): ConfigResult<TiktokConfig> {
  return parseConfigWith(tiktokConfigSchema, raw);
}
