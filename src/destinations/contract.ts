/**
 * The destination contract. A destination is pure: it turns opened events into HTTP requests and
 * classifies HTTP responses. The delivery worker owns I/O, timeouts, backoff and persistence.
 *
 * The destination folders and what they use (shared/, normalize/, fakes/) import this file: `types.ts`,
 * which the rest of the application imports, adds the registered type names from the registry, so importing
 * it from code the registry loads would be an import circle (src/architecture.test.ts fails on one).
 */
import type { TObject } from 'typebox';
import type { StartFake } from './fakes/common.js';

export const EVENT_NAMES = [
  'PageVisit',
  'ViewContent',
  'Search',
  'AddToCart',
  'AddToWishlist',
  'Purchase',
  'Lead',
  'SignUp',
  'Custom',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** Personal and identifying fields of an event, in cleartext, as the shop sent them. Sealed at rest. */
export interface UserData {
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  gender?: string;
  dateOfBirth?: string;
  city?: string;
  state?: string;
  zip?: string;
  country?: string;
  externalId?: string;
  ipAddress?: string;
  userAgent?: string;
  fbc?: string;
  fbp?: string;
  ttclid?: string;
  ttp?: string;
  epik?: string;
  scClickId?: string;
  scCookie1?: string;
  rdtClickId?: string;
  rdtUuid?: string;
  /** Google Analytics client id: the `_ga` cookie's last two parts (`1234567890.1700000000`). */
  gaClientId?: string;
  /** Google Analytics session id (the `_ga_<container>` cookie's session number). */
  gaSessionId?: string;
  /** Google Ads click ids: `gclid` (web), `gbraid`/`wbraid` (iOS app-to-web and web-to-app). */
  gclid?: string;
  gbraid?: string;
  wbraid?: string;
  /** Microsoft Advertising click id (`msclkid` URL parameter / `_uetmsclkid` cookie). */
  msclkid?: string;
}
export const USER_DATA_KEYS = [
  'email',
  'phone',
  'firstName',
  'lastName',
  'gender',
  'dateOfBirth',
  'city',
  'state',
  'zip',
  'country',
  'externalId',
  'ipAddress',
  'userAgent',
  'fbc',
  'fbp',
  'ttclid',
  'ttp',
  'epik',
  'scClickId',
  'scCookie1',
  'rdtClickId',
  'rdtUuid',
  'gaClientId',
  'gaSessionId',
  'gclid',
  'gbraid',
  'wbraid',
  'msclkid',
] as const satisfies readonly (keyof UserData)[];
export type UserDataKey = (typeof USER_DATA_KEYS)[number];

export interface ContentItem {
  id: string;
  quantity?: number;
  price?: number;
  name?: string;
  category?: string;
  brand?: string;
}

/** Commerce data of an event. Not personal; kept as sent (extra keys included). */
export interface CustomData {
  value?: number;
  currency?: string;
  orderId?: string;
  contents?: ContentItem[];
  numItems?: number;
  searchString?: string;
  contentType?: string;
  contentName?: string;
  contentCategory?: string;
  [extra: string]: unknown;
}

/**
 * What the shopper allowed, resolved once per event from what the shop sent (`consent`, a TCF string,
 * `dataProcessing`) and the domain's default (ingest/consent.ts). Each destination applies it with its own
 * mechanism (Meta LDU, Google consent fields, Microsoft `adStorageConsent`, …) or, where a platform has none
 * and ads were refused, skips the event with reason `consent`.
 */
export interface ConsentDecision {
  /** Device storage for ads (TCF purpose 1): identifiers read from cookies (fbp, _ga, _ttp, …) may be sent. */
  adStorage: boolean;
  /** Personal data may be sent to ad platforms for measurement (Google `ad_user_data`; TCF purposes 1 and 7). */
  adUserData: boolean;
  /** Personalised advertising (Google `ad_personalization`; TCF purposes 3 and 4). */
  adPersonalization: boolean;
  /** Analytics measurement (GA4). */
  analytics: boolean;
  /** US-state restricted processing (Meta/Reddit LDU, TikTok `limited_data_use`); country/state when known. */
  limitedDataUse?: { country?: string; state?: string };
  /** Where the decision came from: the event's own flags, its TCF string, or the domain's default. */
  source: 'event' | 'tcf' | 'default';
}

/** Everything allowed: events stored before consent existed, and domains whose default is to forward. */
export const CONSENT_GRANTED: ConsentDecision = Object.freeze({
  adStorage: true,
  adUserData: true,
  adPersonalization: true,
  analytics: true,
  source: 'default',
});

/** One event, opened for delivery to one destination. */
export interface OutboundEvent {
  /** The delivery id: results are reported against it. */
  ref: string;
  eventName: EventName;
  /** For `Custom` events: the shop's own name. */
  customEventName?: string;
  /** Shared by every destination (platform dedup with the browser pixel). */
  eventId: string;
  /** Unix seconds. */
  eventTime: number;
  eventSourceUrl?: string;
  referrerUrl?: string;
  userData: UserData;
  customData: CustomData;
  /** The domain's default country (ISO alpha-2, upper case), used to parse national phone numbers. */
  defaultCountry: string;
  /** What the shopper allowed (CONSENT_GRANTED when the event carried nothing and the domain forwards). */
  consent: ConsentDecision;
  /**
   * Set for `/v1/pmw-events`: a platform-ready event object built by the shop's browser script. It is
   * forwarded as it is, inside the platform's request envelope with the destination's credentials.
   */
  passthrough?: Record<string, unknown>;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface HttpRequest {
  method: 'POST';
  /** Absolute URL including any query string. */
  url: string;
  headers: Record<string, string>;
  /** JSON body; the worker serializes it (as a form when `encoding` says so). */
  body: JsonValue;
  /**
   * `form`: the body is a flat object of strings sent `application/x-www-form-urlencoded` (an OAuth token
   * request); absent: JSON.
   */
  encoding?: 'form';
  /** The events this request carries, in body order (none for a token request). */
  refs: string[];
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

export type Classification =
  /**
   * Every event of the request was accepted; `message` (the platform's request id, "validated only") is kept
   * on each event's outcome.
   */
  | { kind: 'delivered'; message?: string }
  /** Transient failure (5xx, platform "try later"): retry with backoff; counts toward the circuit breaker. */
  | { kind: 'retry'; message: string; retryAfterMs?: number }
  /** The platform asks us to slow down (429, throttle codes): retry after the delay; does not open the circuit. */
  | { kind: 'throttled'; message: string; retryAfterMs?: number }
  /** Permanent for the whole request. `credentials` marks bad token / unknown pixel: hold the destination. */
  | { kind: 'rejected'; message: string; credentials: boolean }
  /** Per-event outcome (partial success). Events not listed count as delivered. */
  | { kind: 'partial'; failures: Array<{ ref: string; message: string }> };

export interface BuildEnv {
  /** The platform's base URL (configurable so tests and `tagbridge dev` use fake servers). */
  baseUrl: string;
  /** Force the platform's test mode (the dashboard's "send test event"), even if the config has none. */
  forceTestMode?: boolean;
  /**
   * For a destination that declares `accessToken`: the token the worker obtained from the platform's token
   * endpoint (absent when none could be had: the requests are built but not sent).
   */
  accessToken?: string;
}

/** What a platform's token endpoint answered, read by the destination (`AccessTokenFlow.parse`). */
export type TokenAnswer =
  | { kind: 'token'; accessToken: string; expiresInSeconds: number }
  /** The endpoint refused the credentials (revoked refresh token, unknown client, bad key): hold the destination. */
  | { kind: 'rejected'; message: string }
  /** The endpoint failed (5xx, 429, an answer we cannot read): try the events again later. */
  | { kind: 'retry'; message: string; retryAfterMs?: number };

/**
 * A platform whose API takes short-lived access tokens obtained with long-lived credentials (an OAuth
 * client's refresh token, a service account's key). The destination stays pure: it builds the token request
 * and reads the answer; the worker sends it, caches the token until shortly before it expires
 * (`delivery/access-tokens.ts`) and hands it to `plan` as `BuildEnv.accessToken`.
 */
export interface AccessTokenFlow<C> {
  /** The name in `urls` of the token endpoint (`oauthToken`): config reads its variable. */
  urlName: string;
  /** Identifies the credentials (a hash, never the secret): a changed config never reuses an old token. */
  credentialKey(config: C): string;
  /** The token request (form-encoded); `nowSeconds` dates a signed assertion. */
  request(config: C, tokenUrl: string, nowSeconds: number): HttpRequest;
  parse(response: HttpResponse): TokenAnswer;
}

/** What an adapter makes of one event: the platform's event object, or the reason it is not sent. */
export type Mapped = { event: { [key: string]: JsonValue } } | { skip: string };

/** The per-request part an adapter supplies: where to send a batch of platform events, and how. */
export interface Envelope {
  url: string;
  headers: Record<string, string>;
  body: { [key: string]: JsonValue };
}

/**
 * How an adapter turns events into requests: map each event (or skip it), then wrap consecutive mapped
 * events, at most `maxBatchSize` of them, in a request envelope. `build` runs a plan at once
 * (`buildBatches`); the worker runs it in chunks (`buildInChunks`) so a large batch does not hold the
 * event loop.
 */
export interface BatchPlan {
  maxBatchSize: number;
  map(event: OutboundEvent): Mapped;
  /**
   * For platforms whose request carries per-person fields every event in it shares (GA4: one `client_id`,
   * `user_data` and `consent` per request): mapped events with the same key go in the same requests, in
   * order of first appearance; events with different keys never share one. Without it, consecutive events
   * are batched as they come.
   */
  batchKey?(event: { [key: string]: JsonValue }): string;
  envelope(batch: Array<{ [key: string]: JsonValue }>): Envelope;
}

export interface BuildResult {
  requests: HttpRequest[];
  /** Events this platform would reject (e.g. missing required identifiers): never sent, reason recorded. */
  skipped: Array<{ ref: string; reason: string }>;
}

export type ConfigResult<C> = { ok: true; config: C } | { ok: false; errors: string[] };

/** Fields every destination config may carry besides the platform's own. */
export interface CommonDestinationConfig {
  enabled?: boolean;
  /** Event name overrides, e.g. `{ "Purchase": "CompletePayment" }`; must match the browser pixel's names. */
  eventNames?: Partial<Record<EventName, string>>;
}

/** `T` is the type name (`'meta'`): the registry derives the union of registered types from it. */
export interface Destination<C, T extends string = string> {
  type: T;
  label: string;
  /** TypeBox schema of the config; secret fields carry `secret: true` (masked in reads, rendered as password inputs). */
  configSchema: TObject;
  limits: {
    maxBatchSize: number;
    /** Events older than this are never sent (the platform would reject them, or the whole batch). */
    maxEventAgeSeconds: number;
    /** Conservative request-rate ceiling per destination. */
    requestsPerSecond: number;
  };
  parseConfig(raw: unknown): ConfigResult<C>;
  /** Whether requests built from this config go to the platform's test mode. */
  isTestMode(config: C): boolean;
  /**
   * How requests are built (map each event, wrap batches in an envelope): the worker runs it in chunks so a
   * large batch does not hold the event loop. `build` is this plan run at once (`buildBatches`).
   */
  plan(config: C, env: BuildEnv): BatchPlan;
  build(events: OutboundEvent[], config: C, env: BuildEnv): BuildResult;
  classify(response: HttpResponse, request: HttpRequest): Classification;
  /** Platforms authenticated with access tokens from a token endpoint (Google): how to get one. */
  accessToken?: AccessTokenFlow<C>;
}

/** A URL a destination sends to, which an environment variable overrides (tests and `dev` point it at the fake). */
export interface PlatformUrl {
  /** The variable config reads (`META_GRAPH_URL`); documented in the README's configuration table. */
  env: string;
  /** The platform's own URL, used when the variable is unset. */
  default: string;
  /** The configuration table's "meaning" cell. */
  description: string;
  /** Where the fake serves this URL, under its origin (an OAuth token endpoint's path); none: the origin. */
  fakePath?: string;
}

/**
 * How the shop plugin (Pixel Manager for WooCommerce) names a platform it knows. Its wire format is not
 * public (reference/clients.md §1.5): these are the names it is known to use, their camelCase twins and ours.
 */
export interface PixelManagerNames {
  /** Key of the platform's member in a `/v1/pmw-events` event (`facebook`): that member is forwarded here. */
  eventMember?: string;
  /** Destination type names the plugin's settings sync sends for the platform (ours included). */
  syncTypes: readonly string[];
  /** Our config field → paths in the plugin's settings entry (`capi.token`); the first non-empty one wins. */
  syncFields: Readonly<Record<string, readonly string[]>>;
  /**
   * A test mode that is a switch, not a code: `target` is set when the entry's `test_mode` says so or, with
   * no `test_mode`, when the entry carries a test event code at one of `codePaths`.
   */
  syncTestSwitch?: { target: string; codePaths: readonly string[] };
}

/**
 * Everything a destination folder declares about itself (its `index.ts` exports one of these, and the
 * registry lists it): the adapter the worker runs, and what the rest of the application derives from the
 * registry instead of a list of its own.
 */
export interface DestinationDeclaration<C, T extends string = string> extends Destination<C, T> {
  /**
   * Where the platform is reached: `api` is the base URL of its requests (`BuildEnv.baseUrl`); a platform
   * that needs more (an OAuth token endpoint…) names them beside it. Config reads and validates every
   * variable at start-up.
   */
  urls: { api: PlatformUrl } & Readonly<Record<string, PlatformUrl>>;
  /**
   * A valid live-mode config, as a user would paste it: `tagbridge dev` gives it to its demo domain, the
   * contract test builds with it, and the fake takes what the adapter builds from it.
   */
  sampleConfig: C;
  /**
   * The identifiers the adapter sends and what each is worth to the platform's matching: each delivery
   * records which of them it carries and a score, their weights summed and capped at 10
   * (docs/diagnostics.md shows the table; a test keeps it equal to these declarations).
   */
  matchWeights: Readonly<Partial<Record<UserDataKey, number>>>;
  /** Its names in the shop plugin (settings sync, browser events); absent when the plugin has none. */
  pixelManager?: PixelManagerNames;
  /**
   * The platform's fake: a local HTTP server (`fake.ts` in the destination's folder) that the tests and
   * `tagbridge dev` send to instead of the platform. Loaded through `import()` only when asked for, so the
   * worker never loads it.
   */
  fake(): Promise<StartFake>;
}
