/**
 * The documented shapes of inbound events (proxy `/v1/events`, and later the public API). One TypeBox
 * definition gives validation, TypeScript types and the OpenAPI document.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { EVENT_NAMES, type UserDataKey } from '../destinations/types.js';
import { HTTP_URL } from '../lib/json-schema.js';

const text = (maxLength: number, description?: string) =>
  Type.String({ maxLength, ...(description ? { description } : {}) });

/**
 * A page URL: http(s) only. The event log returns it to the dashboard, so a `javascript:` URL stored as sent
 * would become a link that runs script; such an event is refused (400) on every entry point.
 */
const pageUrl = (description: string) =>
  Type.String({ maxLength: 2048, [HTTP_URL]: true, description: `${description} An http(s) URL.` });

/**
 * One schema per personal-data key. Keyed by `UserDataKey`, so the documented body, the sealing in
 * prepare.ts (which walks `USER_DATA_KEYS`) and the destinations' `UserData` cannot name different keys:
 * a key missing here or unknown there fails to compile (and schema.test.ts checks the order too).
 */
const USER_DATA_FIELDS = {
  email: Type.Optional(text(320, 'Cleartext or SHA-256 hex; normalized and hashed per platform.')),
  phone: Type.Optional(text(64, 'National or international; parsed with the customer or shop country.')),
  firstName: Type.Optional(text(200)),
  lastName: Type.Optional(text(200)),
  gender: Type.Optional(text(32)),
  dateOfBirth: Type.Optional(text(32, 'YYYY-MM-DD, YYYYMMDD, DD.MM.YYYY or MM/DD/YYYY.')),
  city: Type.Optional(text(200)),
  state: Type.Optional(text(200)),
  zip: Type.Optional(text(32)),
  country: Type.Optional(text(100, 'ISO alpha-2, alpha-3 or English name.')),
  externalId: Type.Optional(
    Type.Union([text(512), Type.Integer({ minimum: 0 })], {
      description: "The shop's customer id; a JSON number is read as its decimal string.",
    }),
  ),
  ipAddress: Type.Optional(text(64)),
  userAgent: Type.Optional(text(1024)),
  fbc: Type.Optional(text(512, 'Meta click id cookie (_fbc).')),
  fbp: Type.Optional(text(512, 'Meta browser id cookie (_fbp).')),
  ttclid: Type.Optional(text(512, 'TikTok click id.')),
  ttp: Type.Optional(text(512, 'TikTok _ttp cookie.')),
  epik: Type.Optional(text(512, 'Pinterest click id (_epik).')),
  scClickId: Type.Optional(text(512, 'Snapchat click id (ScCid).')),
  scCookie1: Type.Optional(text(512, 'Snapchat _scid cookie.')),
  rdtClickId: Type.Optional(text(512, 'Reddit click id (rdt_cid).')),
  rdtUuid: Type.Optional(text(512, 'Reddit _rdt_uuid cookie.')),
  gaClientId: Type.Optional(text(100, 'Google Analytics client id: the _ga cookie, or its last two parts.')),
  gaSessionId: Type.Optional(text(100, 'Google Analytics session id (from the _ga_<container> cookie).')),
  gclid: Type.Optional(text(512, 'Google Ads click id (gclid).')),
  gbraid: Type.Optional(text(512, 'Google Ads app-to-web click id (gbraid).')),
  wbraid: Type.Optional(text(512, 'Google Ads web-to-app click id (wbraid).')),
  msclkid: Type.Optional(text(512, 'Microsoft Advertising click id (msclkid).')),
} satisfies Record<UserDataKey, TSchema>;

export const UserDataSchema = Type.Object(USER_DATA_FIELDS, {
  description: 'Personal data: sealed at rest, normalized and hashed per platform at delivery.',
});

const Identifier = Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Integer({ minimum: 0 })]);

export const ContentItemSchema = Type.Object({
  id: Identifier,
  quantity: Type.Optional(Type.Integer({ minimum: 0 })),
  price: Type.Optional(Type.Number()),
  name: Type.Optional(text(500)),
  category: Type.Optional(text(500)),
  brand: Type.Optional(text(200)),
});

export const CustomDataSchema = Type.Object({
  value: Type.Optional(Type.Number()),
  currency: Type.Optional(Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 code.' })),
  orderId: Type.Optional(Identifier),
  contents: Type.Optional(Type.Array(ContentItemSchema, { maxItems: 500 })),
  numItems: Type.Optional(Type.Integer({ minimum: 0 })),
  searchString: Type.Optional(text(1000)),
  contentType: Type.Optional(text(100)),
  contentName: Type.Optional(text(500)),
  contentCategory: Type.Optional(text(500)),
});

export const ConsentSchema = Type.Object(
  {
    ads: Type.Optional(
      Type.Boolean({
        description: 'Advertising: personal data may be sent to ad platforms, ads may be personalised.',
      }),
    ),
    analytics: Type.Optional(Type.Boolean({ description: 'Analytics measurement (Google Analytics 4).' })),
    tcString: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 8192,
        description: 'IAB TCF v2.2 consent string from the CMP.',
      }),
    ),
    gdprApplies: Type.Optional(
      Type.Boolean({ description: 'Whether GDPR applies (TCF `gdprApplies`); false ignores tcString.' }),
    ),
  },
  {
    description:
      "What the shopper allowed. Without it the domain's `consentDefault` applies (forward, or hold back).",
  },
);

export const DataProcessingSchema = Type.Object(
  {
    ldu: Type.Boolean({ description: 'US-state limited data use (restricted processing).' }),
    country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO alpha-2, e.g. US.' })),
    state: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'US state code, e.g. CA.' })),
  },
  { description: 'Restricted processing: Meta and Reddit LDU, TikTok limited_data_use.' },
);

export const InboundEventSchema = Type.Object({
  eventName: Type.Enum([...EVENT_NAMES], { description: 'One of the nine event types.' }),
  eventTime: Type.Integer({ minimum: 1_000_000_000, description: 'Unix time in seconds.' }),
  eventId: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Dedup key shared with the browser pixel. Default: purchase_<orderId>, else generated.',
    }),
  ),
  customEventName: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      description: "A Custom event's own name; without it each platform uses its default custom name.",
    }),
  ),
  eventSourceUrl: Type.Optional(pageUrl('The page the event happened on.')),
  referrerUrl: Type.Optional(pageUrl('The page before it.')),
  userData: Type.Optional(UserDataSchema),
  customData: Type.Optional(CustomDataSchema),
  consent: Type.Optional(ConsentSchema),
  dataProcessing: Type.Optional(DataProcessingSchema),
});
export type InboundEvent = Static<typeof InboundEventSchema>;

export const ProxyEventsBodySchema = Type.Object({
  events: Type.Array(InboundEventSchema, { minItems: 1, maxItems: 1000 }),
});
export type ProxyEventsBody = Static<typeof ProxyEventsBodySchema>;

/** Pixel Manager for WooCommerce: `{event, facebook?, tiktok?, pinterest?, snapchat?, reddit?, product?}`. */
export const PmwEventSchema = Type.Object({
  event: Type.String({ minLength: 1, maxLength: 100 }),
  // Free-form, but its event_source_url becomes the stored page URL (the event log shows it): http(s) only.
  facebook: Type.Optional(
    Type.Unsafe<Record<string, unknown>>({
      type: 'object',
      properties: { event_source_url: { [HTTP_URL]: true, description: 'An http(s) URL when a string.' } },
    }),
  ),
  tiktok: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  pinterest: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  snapchat: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  reddit: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  consent: Type.Optional(ConsentSchema),
  dataProcessing: Type.Optional(DataProcessingSchema),
});
export type PmwEvent = Static<typeof PmwEventSchema>;

/** One event or an array of them; a single object is wrapped into an array before validation. */
export const PmwEventsBodySchema = Type.Array(PmwEventSchema, { minItems: 1, maxItems: 200 });
