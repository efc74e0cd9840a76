import { type Static, Type } from 'typebox';
import type { ConfigResult } from '../contract.js';
import { commonFields, credentialString, parseConfigWith } from '../shared/config.js';

/**
 * Snap's v3 web event names (reference §4). Snap has no LEAD event and only five custom slots, so
 * overrides are limited to this list (a typo would otherwise be rejected by Snap at send time).
 */
export const SNAPCHAT_EVENT_ENUM = [
  'PAGE_VIEW',
  'VIEW_CONTENT',
  'ADD_CART',
  'ADD_TO_WISHLIST',
  'SIGN_UP',
  'SEARCH',
  'PURCHASE',
  'ADD_BILLING',
  'START_CHECKOUT',
  'SAVE',
  'SUBSCRIBE',
  'AD_CLICK',
  'AD_VIEW',
  'COMPLETE_TUTORIAL',
  'LEVEL_COMPLETE',
  'INVITE',
  'LOGIN',
  'SHARE',
  'RESERVE',
  'ACHIEVEMENT_UNLOCKED',
  'SPENT_CREDITS',
  'RATE',
  'START_TRIAL',
  'LIST_VIEW',
  'CUSTOM_EVENT_1',
  'CUSTOM_EVENT_2',
  'CUSTOM_EVENT_3',
  'CUSTOM_EVENT_4',
  'CUSTOM_EVENT_5',
] as const;

export const snapchatConfigSchema = Type.Object(
  {
    pixelId: credentialString({
      description: 'Snap Pixel ID from Events Manager.',
      pattern: '^[A-Za-z0-9-]+$',
    }),
    accessToken: credentialString({ description: 'Conversions API token.', secret: true }),
    testMode: Type.Optional(
      Type.Boolean({
        description: 'Send to /events/validate: Snap checks the events without recording them.',
      }),
    ),
    ...commonFields(Type.Enum(SNAPCHAT_EVENT_ENUM)),
  },
  { additionalProperties: false, title: 'Snapchat Conversions API' },
);

export type SnapchatConfig = Static<typeof snapchatConfigSchema>;

export function parseSnapchatConfig(raw: unknown): ConfigResult<SnapchatConfig> {
  return parseConfigWith(snapchatConfigSchema, raw);
}
