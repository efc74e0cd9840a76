import { type Static, Type } from 'typebox';
import type { ConfigResult } from '../contract.js';
import { commonFields, credentialString, parseConfigWith } from '../shared/config.js';
import { GA4_EVENT_NAME_PATTERN } from './names.js';

export const ga4ConfigSchema = Type.Object(
  {
    measurementId: credentialString({
      description: 'Measurement ID of the web data stream (Admin → Data streams), e.g. G-ABC123DEF4.',
      pattern: '^G-[A-Z0-9]+$',
    }),
    apiSecret: credentialString({
      description:
        'Measurement Protocol API secret of the same data stream (Data streams → Measurement Protocol API secrets).',
      secret: true,
    }),
    region: Type.Optional(
      Type.Union([Type.Literal('global'), Type.Literal('eu')], {
        description:
          "'eu' sends to Google's EU endpoint (region1.google-analytics.com), so data is collected in the EU.",
      }),
    ),
    testMode: Type.Optional(
      Type.Boolean({
        description:
          'Send to the validation endpoint (/debug/mp/collect) only: Google checks every event and nothing reaches reports.',
      }),
    ),
    // GA4 event names: letters, digits and `_`, up to 40, not reserved (names.ts).
    ...commonFields(
      Type.String({ pattern: GA4_EVENT_NAME_PATTERN, description: 'A GA4 event name (not a reserved one).' }),
    ),
  },
  { additionalProperties: false, title: 'Google Analytics 4 (Measurement Protocol)' },
);

export type Ga4Config = Static<typeof ga4ConfigSchema>;

export function parseGa4Config(raw: unknown): ConfigResult<Ga4Config> {
  return parseConfigWith(ga4ConfigSchema, raw);
}
