import { type Static, Type } from 'typebox';
import type { ConfigResult } from '../contract.js';
import { commonFields, credentialString, parseConfigWith } from '../shared/config.js';

// Event names are free: they must match the conversion goals' event action (reference §3).
const common = commonFields(Type.String({ minLength: 1, maxLength: 100 }));

export const microsoftConfigSchema = Type.Object(
  {
    tagId: credentialString({
      description: 'UET tag ID (Microsoft Advertising → Tools → UET tag), e.g. 187012345.',
      pattern: '^[0-9]+$',
    }),
    accessToken: credentialString({
      description: 'Conversions API token of that UET tag ("Use Conversions API" on the tag).',
      secret: true,
    }),
    enabled: common.enabled,
    // A page view is UET's `pageLoad` event, which has no name: a PageVisit override would mean nothing,
    // so it is refused rather than silently ignored.
    eventNames: Type.Optional(
      Type.Omit(common.eventNames, ['PageVisit'], {
        additionalProperties: false,
        description:
          'Event action per event type (not PageVisit, which is a pageLoad); must match your conversion goals.',
      }),
    ),
  },
  { additionalProperties: false, title: 'Microsoft Advertising (UET Conversions API)' },
);

export type MicrosoftConfig = Static<typeof microsoftConfigSchema>;

export function parseMicrosoftConfig(raw: unknown): ConfigResult<MicrosoftConfig> {
  return parseConfigWith(microsoftConfigSchema, raw);
}
