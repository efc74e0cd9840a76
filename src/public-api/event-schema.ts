/**
 * The public API's event: the proxy's event, plus `domainId` and the field names the seed documents where
 * they differ from ours (`PageView`, `customData.contentIds`, `contents[].itemPrice`), mapped onto ours
 * before the event enters the pipeline. Any event name that is not a standard type is a custom event.
 */
import { type Static, Type } from 'typebox';
import { EVENT_NAMES, type EventName } from '../destinations/types.js';
import {
  ContentItemSchema,
  CustomDataSchema,
  type InboundEvent,
  InboundEventSchema,
  UserDataSchema,
} from '../ingest/schema.js';

const Identifier = ContentItemSchema.properties.id;

export const ApiContentItemSchema = Type.Object({
  ...ContentItemSchema.properties,
  itemPrice: Type.Optional(Type.Number({ description: 'Accepted for `price`.' })),
});

export const ApiCustomDataSchema = Type.Object(
  {
    ...CustomDataSchema.properties,
    contents: Type.Optional(Type.Array(ApiContentItemSchema, { maxItems: 500 })),
    contentIds: Type.Optional(
      Type.Array(Identifier, {
        maxItems: 500,
        description: 'Product ids; become `contents` when `contents` is absent.',
      }),
    ),
  },
  {
    description:
      'Commerce data. Stored and returned exactly as sent (other keys too), so never put personal data here.',
  },
);

export const ApiEventSchema = Type.Object({
  eventName: Type.String({
    minLength: 1,
    maxLength: 100,
    description:
      'A standard type (PageVisit — PageView is accepted too —, ViewContent, Search, AddToCart, AddToWishlist, Purchase, Lead, SignUp), or the name of a custom event defined and active for the org (or Custom with customEventName).',
  }),
  eventTime: Type.Integer({
    minimum: 1_000_000_000,
    description: 'Unix seconds, within [now − 86400, now + 300].',
  }),
  eventId: InboundEventSchema.properties.eventId,
  customEventName: InboundEventSchema.properties.customEventName,
  domainId: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      description:
        'Domain the event belongs to. Required for an org-wide key when the org has more than one domain; a domain-restricted key writes to its own domain.',
    }),
  ),
  eventSourceUrl: InboundEventSchema.properties.eventSourceUrl,
  referrerUrl: InboundEventSchema.properties.referrerUrl,
  userData: Type.Optional(UserDataSchema),
  customData: Type.Optional(ApiCustomDataSchema),
  consent: InboundEventSchema.properties.consent,
  dataProcessing: InboundEventSchema.properties.dataProcessing,
});
export type ApiEvent = Static<typeof ApiEventSchema>;

export const ApiEventsBodySchema = Type.Union(
  [ApiEventSchema, Type.Array(ApiEventSchema, { minItems: 1, maxItems: 100 })],
  { description: 'One event, or an array of up to 100. Each event is validated and processed on its own.' },
);

/** Names other tools use for our standard types. */
const EVENT_NAME_ALIASES: Record<string, EventName> = { PageView: 'PageVisit' };

export type ResolvedEventName =
  | { kind: 'standard'; eventName: EventName }
  | { kind: 'custom'; customEventName: string };

/**
 * Standard (or an alias of one) or custom. `Custom` without customEventName is the standard `Custom` type:
 * seed 000 passes custom events through, and each platform has a default name for one (seed 001).
 */
export function resolveEventName(event: Pick<ApiEvent, 'eventName' | 'customEventName'>): ResolvedEventName {
  const name = event.eventName;
  if (name === 'Custom') {
    return event.customEventName
      ? { kind: 'custom', customEventName: event.customEventName }
      : { kind: 'standard', eventName: 'Custom' };
  }
  if ((EVENT_NAMES as readonly string[]).includes(name))
    return { kind: 'standard', eventName: name as EventName };
  const alias = EVENT_NAME_ALIASES[name];
  if (alias) return { kind: 'standard', eventName: alias };
  return { kind: 'custom', customEventName: name };
}

/** The name a filter or a definition uses for a standard name or alias; custom names stay as they are. */
export function canonicalEventName(name: string): { eventName: EventName } | { customEventName: string } {
  const resolved = resolveEventName({ eventName: name });
  return resolved.kind === 'standard'
    ? { eventName: resolved.eventName }
    : { customEventName: resolved.customEventName };
}

type ApiCustomData = NonNullable<ApiEvent['customData']>;
type InboundCustomData = NonNullable<InboundEvent['customData']>;

/** The seed's aliases onto our names: `itemPrice` → `price`, `contentIds` → `contents` (when absent). */
export function mapCustomData(customData: ApiCustomData): InboundCustomData {
  const { contentIds, contents, ...rest } = customData;
  const mapped: InboundCustomData = { ...rest };
  if (contents) {
    mapped.contents = contents.map(({ itemPrice, ...item }) =>
      item.price === undefined && itemPrice !== undefined ? { ...item, price: itemPrice } : item,
    );
  } else if (contentIds) {
    mapped.contents = contentIds.map((id) => ({ id }));
  }
  return mapped;
}

export function toInboundEvent(event: ApiEvent, name: ResolvedEventName): InboundEvent {
  const inbound: InboundEvent = {
    eventName: name.kind === 'standard' ? name.eventName : 'Custom',
    eventTime: event.eventTime,
  };
  if (name.kind === 'custom') inbound.customEventName = name.customEventName;
  if (event.eventId !== undefined) inbound.eventId = event.eventId;
  if (event.eventSourceUrl !== undefined) inbound.eventSourceUrl = event.eventSourceUrl;
  if (event.referrerUrl !== undefined) inbound.referrerUrl = event.referrerUrl;
  if (event.userData !== undefined) inbound.userData = event.userData;
  if (event.customData !== undefined) inbound.customData = mapCustomData(event.customData);
  if (event.consent !== undefined) inbound.consent = event.consent;
  if (event.dataProcessing !== undefined) inbound.dataProcessing = event.dataProcessing;
  return inbound;
}
