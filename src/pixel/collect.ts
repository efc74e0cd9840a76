/**
 * `POST /v1/collect` after its guard (src/http/routes/collect.ts: rate limits, key, origin, admission):
 * the browser's batch becomes inbound events with the request's first-party identifiers, IP and user
 * agent, goes through the one way in (acceptEvents, source PIXEL, durable before this resolves), and the
 * attribution records the visit. Returns the cookies the answer sets.
 */
import { Counter, type Registry } from 'prom-client';
import { type Static, Type } from 'typebox';
import type { AppDeps } from '../app-deps.js';
import { type PixelActivity, recordPixelActivity } from '../attribution/record.js';
import { EVENT_NAMES } from '../destinations/types.js';
import { ApiError } from '../errors.js';
import { type Admission, acceptEvents, inboundEvents } from '../ingest/accept.js';
import type { DomainContext } from '../ingest/domain-context.js';
import type { PreparedEvent } from '../ingest/prepare.js';
import { CustomDataSchema, type InboundEvent } from '../ingest/schema.js';
import { HTTP_URL } from '../lib/json-schema.js';
import { mergeCookies, type PixelCookie } from './cookies.js';
import { type IdentifierConsent, resolveIdentifiers } from './identifiers.js';

const text = (maxLength: number, description?: string) =>
  Type.String({ maxLength, ...(description ? { description } : {}) });

/** The cookies the script could read from `document.cookie`; used where the Cookie header lacks them. */
export const COLLECT_BODY_COOKIES = [
  '_fbp',
  '_fbc',
  '_ga',
  '_ttp',
  '_scid',
  '_rdt_uuid',
  '_epik',
  '_tb_vid',
  '_gcl_aw',
  '_uetmsclkid',
] as const;

export const CollectEventSchema = Type.Object({
  eventName: Type.Enum([...EVENT_NAMES], { description: 'One of the nine event types.' }),
  eventId: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'Dedup key shared with the server side. Default: purchase_<orderId> for a Purchase with an order id, else generated.',
    }),
  ),
  eventTime: Type.Optional(
    Type.Integer({ minimum: 1_000_000_000, description: 'Unix time in seconds. Default: now.' }),
  ),
  customEventName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  customData: Type.Optional(CustomDataSchema),
  url: Type.Optional(text(2048, 'The page URL when the event happened. Default: page.url.')),
  userData: Type.Optional(
    Type.Object(
      {
        email: Type.Optional(text(320)),
        phone: Type.Optional(text(64)),
        externalId: Type.Optional(Type.Union([text(512), Type.Integer({ minimum: 0 })])),
      },
      { description: "What `tagbridge('identify', …)` was given." },
    ),
  ),
});

export const CollectBodySchema = Type.Object({
  key: Type.Optional(text(100, 'The pk_ key (or send it in X-Tagbridge-Key).')),
  consent: Type.Optional(
    Type.Object(
      { ads: Type.Optional(Type.Boolean()), analytics: Type.Optional(Type.Boolean()) },
      { description: "The shopper's choice; without it the domain's consentDefault applies." },
    ),
  ),
  page: Type.Object({
    url: text(2048, 'The page URL (its click-id and UTM parameters are read).'),
    // Stored as the events' referrerUrl (the event log shows it): http(s) or empty, like document.referrer.
    referrer: Type.Optional(Type.String({ maxLength: 2048, [HTTP_URL]: true })),
    title: Type.Optional(text(500)),
  }),
  cookies: Type.Optional(
    Type.Object(Object.fromEntries(COLLECT_BODY_COOKIES.map((name) => [name, Type.Optional(text(512))])), {
      description: 'Cookies the script read; the Cookie header wins where it has them.',
    }),
  ),
  events: Type.Array(CollectEventSchema, { minItems: 1, maxItems: 50 }),
});
export type CollectBody = Static<typeof CollectBodySchema>;
export type CollectEvent = Static<typeof CollectEventSchema>;

export type CollectDeps = Pick<
  AppDeps,
  'writer' | 'quota' | 'clock' | 'sealer' | 'metrics' | 'config' | 'storage' | 'sharedIps' | 'logger'
>;

export interface CollectInput {
  ctx: DomainContext;
  admission: Admission;
  body: CollectBody;
  /** The Cookie header, parsed. */
  cookies: Readonly<Record<string, string | undefined>>;
  client: { ip: string; userAgent: string | undefined };
}

export interface CollectOutcome {
  cookies: PixelCookie[];
  accepted: number;
  duplicate: number;
}

/** The consent the identifiers follow: the body's flags, else the domain's default for each. */
export function effectiveConsent(ctx: DomainContext, body: CollectBody): IdentifierConsent {
  const granted = ctx.domain.consent_default !== 'deny';
  return { ads: body.consent?.ads ?? granted, analytics: body.consent?.analytics ?? granted };
}

function httpUrl(value: string, field: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ApiError('invalid_payload', `${field} must be an http(s) URL`, { field });
  }
  return url;
}

/** The identify data of the batch: the last event that carries any. */
function identityOf(events: readonly CollectEvent[]): PixelActivity['identity'] {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const data = events[i]?.userData;
    if (!data) continue;
    const identity: NonNullable<PixelActivity['identity']> = {};
    if (data.email) identity.email = data.email;
    if (data.phone) identity.phone = data.phone;
    if (data.externalId !== undefined && String(data.externalId) !== '') {
      identity.externalId = String(data.externalId);
    }
    if (Object.keys(identity).length > 0) return identity;
  }
  return null;
}

const failureCounters = new WeakMap<Registry, Counter>();

/** tagbridge_pixel_attribution_failures_total, on the service's registry. */
function attributionFailures(registry: Registry): Counter {
  let counter = failureCounters.get(registry);
  if (!counter) {
    counter = new Counter({
      name: 'tagbridge_pixel_attribution_failures_total',
      help: 'Collect requests whose events were stored but whose attribution record failed.',
      registers: [registry],
    });
    failureCounters.set(registry, counter);
  }
  return counter;
}

export async function collectEvents(deps: CollectDeps, input: CollectInput): Promise<CollectOutcome> {
  const { ctx, body, client } = input;
  httpUrl(body.page.url, 'page.url');
  body.events.forEach((event, index) => {
    if (event.url !== undefined) httpUrl(event.url, `events[${index}].url`);
  });

  const now = deps.clock.now();
  const nowSeconds = Math.floor(now / 1000);
  const consent = effectiveConsent(ctx, body);
  const ids = resolveIdentifiers({
    urls: [body.page.url, ...body.events.flatMap((e) => (e.url ? [e.url] : []))],
    cookies: mergeCookies(input.cookies, body.cookies),
    consent,
    now,
    maxAgeSeconds: deps.config.pixel.cookieMaxAgeDays * 86400,
  });
  const device = {
    ...ids.userData,
    ipAddress: client.ip,
    ...(client.userAgent ? { userAgent: client.userAgent.slice(0, 1024) } : {}),
  };
  const events: InboundEvent[] = body.events.map((event) => ({
    eventName: event.eventName,
    eventTime: event.eventTime ?? nowSeconds,
    ...(event.eventId !== undefined ? { eventId: event.eventId } : {}),
    ...(event.customEventName !== undefined ? { customEventName: event.customEventName } : {}),
    ...(event.customData !== undefined ? { customData: event.customData } : {}),
    eventSourceUrl: event.url ?? body.page.url,
    ...(body.page.referrer ? { referrerUrl: body.page.referrer } : {}),
    userData: { ...event.userData, ...device },
    // Without the shopper's choice the domain default applies at ingest exactly as it did here.
    ...(body.consent ? { consent } : {}),
  }));

  const result = await acceptEvents(deps, {
    org: { id: ctx.org.id, plan: ctx.org.plan, subscriptionStatus: ctx.org.subscription_status },
    route: '/v1/collect',
    admission: input.admission,
    prepare: inboundEvents(ctx, events, 'PIXEL'),
    countRequest: true,
  });

  // The events are durable now: attribution is a by-product and never fails the request.
  const purchases: PixelActivity['purchases'] = [];
  events.forEach((event, index) => {
    const prepared = result.prepared[index] as PreparedEvent | undefined;
    const orderId = event.customData?.orderId;
    if (event.eventName !== 'Purchase' || orderId === undefined || String(orderId) === '') return;
    const status = result.statuses[index];
    // A duplicate too: when the shop server's Purchase of the order came first, this adds the visitor to it.
    if (!prepared || !('event' in prepared) || (status !== 'accepted' && status !== 'duplicate')) return;
    purchases.push({
      orderId: String(orderId),
      eventId: prepared.event.event_id,
      ...(event.customData?.value !== undefined ? { value: event.customData.value } : {}),
      ...(event.customData?.currency !== undefined ? { currency: event.customData.currency } : {}),
      eventTime: event.eventTime,
    });
  });
  try {
    await recordPixelActivity(deps, {
      orgId: ctx.org.id,
      domainId: ctx.domain.id,
      visitorId: ids.visitorId,
      now,
      page: { url: body.page.url, referrer: body.page.referrer ?? null },
      clickIds: ids.clickIds,
      utm: ids.utm,
      identity: identityOf(body.events),
      purchases,
    });
  } catch (error) {
    attributionFailures(deps.metrics.registry).inc();
    deps.logger?.error(
      { err: error, domainId: ctx.domain.id },
      'pixel attribution record failed (events stored)',
    );
  }
  return { cookies: ids.cookies, accepted: result.accepted, duplicate: result.duplicate };
}
