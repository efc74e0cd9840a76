/**
 * Fake Pinterest Conversions API v5: `POST /v5/ad_accounts/{ad_account_id}/events[?test=true]` with
 * `Authorization: Bearer` (reference §3).
 *
 * Two tiers, as on the real API: a request that breaks the OpenAPI schema (types, required fields,
 * unknown keys under `additionalProperties: false`, the user_data anyOf, batch size) is refused whole
 * with HTTP 400; an event that is well-formed but unusable (unhashed identifiers, bad IP, too old) is
 * reported `failed` in a 200 while the rest are processed.
 */
import {
  checkAge,
  DAY_MS,
  expectArray,
  expectBoolean,
  expectEnum,
  expectHashed,
  expectInteger,
  expectIp,
  expectKnownKeys,
  expectObject,
  expectPlain,
  expectString,
  expectStringArray,
  expectUnixSeconds,
  Issues,
  isRecord,
  jsPath,
  type Path,
  present,
} from '../fakes/checks.js';
import type { FakeOptions, FakePlatform } from '../fakes/common.js';
import {
  bearerToken,
  type FakeRequest,
  idIsKnown,
  type PlatformReply,
  type RenderableFailure,
  startFakeServer,
  tokenIsValid,
} from '../fakes/server.js';

export type FakePinterestOptions = FakeOptions;

const MAX_EVENTS = 1000;

const EVENT_NAMES = [
  'add_payment_info',
  'add_to_cart',
  'add_to_wishlist',
  'app_install',
  'checkout',
  'custom',
  'initiate_checkout',
  'lead',
  'page_visit',
  'search',
  'signup',
  'subscribe',
  'view_category',
  'view_content',
  'watch_video',
] as const;
const ACTION_SOURCES = ['app_android', 'app_ios', 'web', 'offline'] as const;

const EVENT_KEYS = new Set([
  'event_name',
  'action_source',
  'event_time',
  'event_id',
  'event_source_url',
  'opt_out',
  'partner_name',
  'user_data',
  'custom_data',
  'app_id',
  'app_name',
  'app_version',
  'app_info',
  'device_brand',
  'device_carrier',
  'device_model',
  'device_type',
  'device_info',
  'os_version',
  'wifi',
  'language',
]);
const HASHED_KEYS = [
  'em',
  'hashed_maids',
  'ph',
  'ge',
  'db',
  'ln',
  'fn',
  'ct',
  'st',
  'zp',
  'country',
  'external_id',
] as const;
const PLAIN_KEYS = ['client_user_agent', 'click_id', 'partner_id'] as const;
const USER_DATA_KEYS = new Set<string>([...HASHED_KEYS, ...PLAIN_KEYS, 'client_ip_address']);
const CUSTOM_DATA_KEYS = new Set([
  'currency',
  'value',
  'content_ids',
  'content_name',
  'content_category',
  'content_brand',
  'contents',
  'num_items',
  'order_id',
  'search_string',
  'opt_out_type',
  'predicted_ltv',
  'np',
  'external_measurement_id',
  'external_measurement_vendor_id',
]);
const STRING_EVENT_KEYS = [
  'event_id',
  'event_source_url',
  'partner_name',
  'app_id',
  'app_name',
  'app_version',
  'device_brand',
  'device_carrier',
  'device_model',
  'device_type',
  'os_version',
  'language',
] as const;

/** A decimal number written as a string (Pinterest parses value/item_price/predicted_ltv as doubles). */
const DECIMAL_STRING = /^-?\d+(\.\d+)?$/;

export function startFakePinterest(options: FakePinterestOptions = {}): Promise<FakePlatform> {
  const now = options.now ?? Date.now;
  return startFakeServer(
    {
      name: 'pinterest',
      isTestMode: (request) => request.query.test === 'true',
      handle: (request) => handle(request, options, now()),
      renderFailure,
    },
    options,
  );
}

function handle(request: FakeRequest, options: FakeOptions, nowMs: number): PlatformReply {
  const match = /^\/v5\/ad_accounts\/([^/]+)\/events$/.exec(request.path);
  if (match === null) {
    return pinError(
      404,
      404,
      `Not found: ${request.path} (the endpoint is /v5/ad_accounts/{ad_account_id}/events)`,
    );
  }
  if (request.method !== 'POST') return pinError(405, 405, 'Method not allowed: use POST');
  if (!tokenIsValid(bearerToken(request.headers), options)) return authFailed();
  const adAccountId = match[1] ?? '';
  if (!/^\d{1,18}$/.test(adAccountId)) {
    return invalid(`ad_account_id: must match ^\\d+$ (at most 18 digits), got '${adAccountId}'`);
  }
  if (!idIsKnown(adAccountId, options)) {
    return pinError(403, 29, 'You are not permitted to access that resource.');
  }
  const test = request.query.test;
  if (test !== undefined && test !== 'true' && test !== 'false') {
    return invalid(`test: must be a boolean (true or false), got '${test}'`);
  }
  if (request.contentType !== 'application/json') {
    return invalid(`Content-Type must be application/json, got '${request.contentType}'`);
  }
  if (request.jsonError !== undefined) return invalid(request.jsonError);
  const body = request.json;
  if (!isRecord(body)) return invalid('the request body must be a JSON object');

  const schema = new Issues();
  const perEvent: Issues[] = [];
  if (
    present(body, 'data', [], schema) &&
    expectArray(body.data, ['data'], schema, { min: 1, max: MAX_EVENTS })
  ) {
    body.data.forEach((event, i) => {
      const semantic = new Issues();
      checkEvent(event, ['data', i], nowMs, schema, semantic);
      perEvent.push(semantic);
    });
  }
  const first = schema.list[0];
  if (first !== undefined) return invalid(`${jsPath(first.path)}: ${first.message}`);

  const events = body.data as Record<string, unknown>[];
  const results = events.map((event, i) => {
    const issues = perEvent[i]?.list ?? [];
    const warning = partnerNameWarning(event.partner_name);
    if (issues.length === 0) return { status: 'processed', error_message: '', warning_message: warning };
    // Paths are relative to the event, the way Pinterest reports per-event problems.
    const error = issues.map((issue) => `${jsPath(issue.path.slice(2))}: ${issue.message}`).join('; ');
    return { status: 'failed', error_message: error, warning_message: warning };
  });
  const accepted = events.filter((_, i) => results[i]?.status === 'processed');
  return {
    status: 200,
    body: { num_events_received: events.length, num_events_processed: accepted.length, events: results },
    accepted,
  };
}

function checkEvent(event: unknown, path: Path, nowMs: number, schema: Issues, semantic: Issues): void {
  if (!expectObject(event, path, schema)) return;
  expectKnownKeys(event, EVENT_KEYS, path, schema);
  if (present(event, 'event_name', path, schema)) {
    expectEnum(event.event_name, EVENT_NAMES, [...path, 'event_name'], schema);
  }
  if (present(event, 'action_source', path, schema)) {
    expectEnum(event.action_source, ACTION_SOURCES, [...path, 'action_source'], schema);
  }
  if (
    present(event, 'event_time', path, schema) &&
    expectInteger(event.event_time, [...path, 'event_time'], schema)
  ) {
    if (expectUnixSeconds(event.event_time, [...path, 'event_time'], semantic)) {
      checkAge(
        event.event_time * 1000,
        nowMs,
        { maxAgeMs: 7 * DAY_MS, ageText: '7 days' },
        [...path, 'event_time'],
        semantic,
      );
    }
  }
  present(event, 'event_id', path, schema);
  for (const key of STRING_EVENT_KEYS) {
    if (event[key] !== undefined)
      expectString(event[key], [...path, key], schema, { nonEmpty: key === 'event_id' });
  }
  for (const key of ['opt_out', 'wifi']) {
    if (event[key] !== undefined) expectBoolean(event[key], [...path, key], schema);
  }
  if (present(event, 'user_data', path, schema))
    checkUserData(event.user_data, [...path, 'user_data'], schema, semantic);
  if (event.custom_data !== undefined)
    checkCustomData(event.custom_data, [...path, 'custom_data'], schema, semantic);
}

function checkUserData(userData: unknown, path: Path, schema: Issues, semantic: Issues): void {
  if (!expectObject(userData, path, schema)) return;
  expectKnownKeys(userData, USER_DATA_KEYS, path, schema);
  for (const key of HASHED_KEYS) {
    const value = userData[key];
    if (value !== undefined && expectStringArray(value, [...path, key], schema)) {
      expectHashed(value, 'array', [...path, key], semantic);
    }
  }
  const ip = userData.client_ip_address;
  if (ip !== undefined && expectString(ip, [...path, 'client_ip_address'], schema)) {
    expectIp(ip, [...path, 'client_ip_address'], semantic);
  }
  for (const key of PLAIN_KEYS) {
    const value = userData[key];
    if (value !== undefined && expectString(value, [...path, key], schema))
      expectPlain(value, [...path, key], semantic);
  }
  // anyOf: em, hashed_maids, or the pair client_ip_address + client_user_agent.
  const hasList = (key: string): boolean =>
    Array.isArray(userData[key]) && (userData[key] as unknown[]).length > 0;
  const hasPair = userData.client_ip_address !== undefined && userData.client_user_agent !== undefined;
  if (!hasList('em') && !hasList('hashed_maids') && !hasPair) {
    schema.add(
      path,
      'identifiers',
      'must contain at least one of em, hashed_maids, or the pair client_ip_address + client_user_agent',
    );
  }
}

function checkCustomData(customData: unknown, path: Path, schema: Issues, semantic: Issues): void {
  if (!expectObject(customData, path, schema)) return;
  expectKnownKeys(customData, CUSTOM_DATA_KEYS, path, schema);
  for (const key of ['value', 'predicted_ltv']) {
    const value = customData[key];
    if (value !== undefined && expectString(value, [...path, key], schema) && !DECIMAL_STRING.test(value)) {
      semantic.add([...path, key], 'invalid', 'must be a decimal number written as a string, e.g. "49.99"');
    }
  }
  const currency = customData.currency;
  if (currency !== undefined && expectString(currency, [...path, 'currency'], schema)) {
    if (!/^[A-Za-z]{3}$/.test(currency)) {
      semantic.add([...path, 'currency'], 'invalid', 'must be an ISO 4217 currency code');
    }
  }
  for (const key of [
    'content_name',
    'content_category',
    'content_brand',
    'order_id',
    'search_string',
    'opt_out_type',
    'np',
    'external_measurement_id',
  ]) {
    if (customData[key] !== undefined) expectString(customData[key], [...path, key], schema);
  }
  if (customData.content_ids !== undefined)
    expectStringArray(customData.content_ids, [...path, 'content_ids'], schema);
  if (customData.num_items !== undefined) expectInteger(customData.num_items, [...path, 'num_items'], schema);
  if (customData.external_measurement_vendor_id !== undefined) {
    expectInteger(
      customData.external_measurement_vendor_id,
      [...path, 'external_measurement_vendor_id'],
      schema,
    );
  }
  if (customData.contents !== undefined && expectArray(customData.contents, [...path, 'contents'], schema)) {
    customData.contents.forEach((item, i) => {
      const itemPath = [...path, 'contents', i];
      if (!expectObject(item, itemPath, schema)) return;
      for (const key of ['id', 'item_name', 'item_category', 'item_brand']) {
        if (item[key] !== undefined) expectString(item[key], [...itemPath, key], schema);
      }
      const price = item.item_price;
      if (
        price !== undefined &&
        expectString(price, [...itemPath, 'item_price'], schema) &&
        !DECIMAL_STRING.test(price)
      ) {
        semantic.add([...itemPath, 'item_price'], 'invalid', 'must be a decimal number written as a string');
      }
      if (item.quantity !== undefined) expectInteger(item.quantity, [...itemPath, 'quantity'], schema);
    });
  }
}

/** Pinterest names partners "ss-<partner>" in lower case; anything else is a warning, not a failure. */
function partnerNameWarning(partnerName: unknown): string {
  if (typeof partnerName !== 'string' || /^ss-[a-z0-9_-]+$/.test(partnerName)) return '';
  return `partner_name '${partnerName}' should be "ss-<partnername>" in lower case`;
}

function invalid(detail: string): PlatformReply {
  return pinError(400, 4196, `The request was invalid. ${detail}`);
}

function authFailed(): PlatformReply {
  return pinError(401, 2, 'Authentication failed.');
}

function pinError(
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): PlatformReply {
  const reply: PlatformReply = { status, body: { code, message } };
  if (headers !== undefined) reply.headers = headers;
  return reply;
}

function renderFailure(failure: RenderableFailure): PlatformReply {
  switch (failure.kind) {
    case 'status':
      if (failure.body !== undefined) return { status: failure.status, body: failure.body };
      return failure.status === 503
        ? pinError(503, 4197, 'The endpoint has been ramped down and is currently not accepting any traffic.')
        : pinError(failure.status, failure.status, 'Internal Server Error');
    case 'rateLimit':
      return pinError(429, 8, 'You have exceeded your rate limit. Try again later.', {
        'retry-after': String(failure.retryAfterSeconds),
      });
    case 'throttle':
      return pinError(429, 8, 'You have exceeded your rate limit. Try again later.');
    case 'badToken':
      return authFailed();
  }
}
