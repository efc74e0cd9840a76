/**
 * Fake Meta Conversions API: `POST /v{N}.0/{pixel_id}/events?access_token=…` (reference §1).
 * One invalid event rejects the whole request (HTTP 400, code 100), as Meta documents.
 */
import { randomBytes } from 'node:crypto';
import {
  checkAge,
  DAY_MS,
  expectArray,
  expectBoolean,
  expectEnum,
  expectHashed,
  expectInteger,
  expectIp,
  expectNumber,
  expectObject,
  expectPlain,
  expectString,
  expectStringArray,
  expectUnixSeconds,
  expectUrl,
  type Issue,
  Issues,
  isRecord,
  metaPath,
  type Path,
  present,
} from '../fakes/checks.js';
import type { FakeOptions, FakePlatform, Json } from '../fakes/common.js';
import {
  type FakeRequest,
  idIsKnown,
  type PlatformReply,
  type RenderableFailure,
  startFakeServer,
  tokenIsValid,
} from '../fakes/server.js';

export type FakeMetaOptions = FakeOptions;

const MAX_EVENTS = 1000;

const ACTION_SOURCES = [
  'email',
  'website',
  'app',
  'phone_call',
  'chat',
  'physical_store',
  'system_generated',
  'business_messaging',
  'other',
] as const;

/** "Hashing required" in Meta's customer information parameters. */
const HASHED_KEYS = ['em', 'ph', 'fn', 'ln', 'db', 'ge', 'ct', 'st', 'zp', 'country'] as const;
/** "Do not hash" (client_ip_address is checked separately as an IP). */
const PLAIN_KEYS = [
  'client_user_agent',
  'fbc',
  'fbp',
  'subscription_id',
  'fb_login_id',
  'lead_id',
  'anon_id',
  'madid',
  'page_id',
  'page_scoped_user_id',
  'ctwa_clid',
  'ig_account_id',
  'ig_sid',
] as const;
const CUSTOMER_KEYS: readonly string[] = [...HASHED_KEYS, ...PLAIN_KEYS, 'external_id', 'client_ip_address'];

/** fb.{subdomain_index}.{creation_time}.{fbclid | random} */
const FB_COOKIE = /^fb\.\d+\.\d+\..+$/;

export function startFakeMeta(options: FakeMetaOptions = {}): Promise<FakePlatform> {
  const now = options.now ?? Date.now;
  return startFakeServer(
    {
      name: 'meta',
      isTestMode: (request) => {
        const params = readParams(request);
        return 'params' in params && nonEmptyString(params.params.test_event_code);
      },
      handle: (request) => handle(request, options, now()),
      renderFailure,
    },
    options,
  );
}

function handle(request: FakeRequest, options: FakeOptions, nowMs: number): PlatformReply {
  const match = /^\/(v[^/]+)\/([^/]+)\/events$/.exec(request.path);
  if (match === null) {
    return graphError(400, {
      message: `Unknown path components: ${request.path} (the Conversions API edge is /v{N}.0/{pixel_id}/events)`,
      type: 'OAuthException',
      code: 2500,
    });
  }
  const [, version = '', pixelId = ''] = match;
  if (!/^v\d+\.0$/.test(version)) {
    return graphError(400, {
      message: `Unknown version: ${version} (Graph API versions look like v21.0)`,
      type: 'OAuthException',
      code: 2500,
    });
  }
  if (request.method !== 'POST') {
    return graphError(400, {
      message: `Unsupported ${request.method.toLowerCase()} request. Object with ID '${pixelId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      type: 'GraphMethodException',
      code: 100,
      error_subcode: 33,
    });
  }

  const read = readParams(request);
  const params = 'params' in read ? read.params : {};
  const token =
    request.query.access_token ?? (nonEmptyString(params.access_token) ? params.access_token : '');
  if (token === '') {
    return graphError(400, {
      message: 'An access token is required to request this resource.',
      type: 'OAuthException',
      code: 104,
    });
  }
  if (!tokenIsValid(token, options)) return badToken();
  if (!/^\d+$/.test(pixelId) || !idIsKnown(pixelId, options)) {
    return graphError(400, {
      message: `Unsupported post request. Object with ID '${pixelId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
      type: 'GraphMethodException',
      code: 100,
      error_subcode: 33,
    });
  }
  if ('error' in read) return parameterError({ path: [], code: 'invalid', message: read.error });

  if (params.data === undefined || params.data === null) {
    return graphError(400, {
      message: '(#100) The parameter data is required',
      type: 'OAuthException',
      code: 100,
    });
  }

  const issues = new Issues();
  const warnings: string[] = [];
  if (params.test_event_code !== undefined) {
    expectString(params.test_event_code, ['test_event_code'], issues, { nonEmpty: true });
  }
  const data = params.data;
  if (expectArray(data, ['data'], issues, { min: 1, max: MAX_EVENTS })) {
    data.forEach((event, i) => {
      checkEvent(event, ['data', i], nowMs, issues, warnings);
    });
  }
  const first = issues.list[0];
  if (first !== undefined) return parameterError(first);

  const events = data as Record<string, unknown>[];
  return {
    status: 200,
    body: { events_received: events.length, messages: warnings, fbtrace_id: traceId() },
    accepted: events,
  };
}

function checkEvent(event: unknown, path: Path, nowMs: number, issues: Issues, warnings: string[]): void {
  if (!expectObject(event, path, issues)) return;
  if (present(event, 'event_name', path, issues)) {
    expectString(event.event_name, [...path, 'event_name'], issues, { nonEmpty: true });
  }
  let actionSource: string | undefined;
  if (present(event, 'action_source', path, issues)) {
    if (expectEnum(event.action_source, ACTION_SOURCES, [...path, 'action_source'], issues)) {
      actionSource = event.action_source;
    }
  }
  if (present(event, 'event_time', path, issues)) {
    const timePath = [...path, 'event_time'];
    if (expectUnixSeconds(event.event_time, timePath, issues)) {
      // Physical store events get a longer window (62 days) than everything else (7 days).
      const days = actionSource === 'physical_store' ? 62 : 7;
      checkAge(
        event.event_time * 1000,
        nowMs,
        { maxAgeMs: days * DAY_MS, ageText: `${days} days` },
        timePath,
        issues,
      );
    }
  }
  if (event.event_id !== undefined) {
    expectString(event.event_id, [...path, 'event_id'], issues, { nonEmpty: true });
  }
  const website = actionSource === 'website';
  if (website) present(event, 'event_source_url', path, issues);
  if (event.event_source_url !== undefined)
    expectUrl(event.event_source_url, [...path, 'event_source_url'], issues);
  if (event.referrer_url !== undefined) expectUrl(event.referrer_url, [...path, 'referrer_url'], issues);
  if (actionSource === 'app') present(event, 'app_data', path, issues);
  if (event.opt_out !== undefined) expectBoolean(event.opt_out, [...path, 'opt_out'], issues);
  if (event.data_processing_options !== undefined) {
    expectStringArray(event.data_processing_options, [...path, 'data_processing_options'], issues);
  }
  for (const key of ['data_processing_options_country', 'data_processing_options_state']) {
    if (event[key] !== undefined) expectInteger(event[key], [...path, key], issues);
  }
  if (present(event, 'user_data', path, issues)) {
    checkUserData(event.user_data, [...path, 'user_data'], website, issues, warnings);
  }
  if (event.custom_data !== undefined) {
    checkCustomData(event.custom_data, [...path, 'custom_data'], event.event_name === 'Purchase', issues);
  }
}

function checkUserData(
  userData: unknown,
  path: Path,
  website: boolean,
  issues: Issues,
  warnings: string[],
): void {
  if (!expectObject(userData, path, issues)) return;
  for (const key of HASHED_KEYS) {
    if (userData[key] !== undefined) expectHashed(userData[key], 'either', [...path, key], issues);
  }
  // Hashing external_id is only recommended, so any string (or list of strings) is accepted.
  const externalId = userData.external_id;
  if (externalId !== undefined && !Array.isArray(externalId)) {
    expectString(externalId, [...path, 'external_id'], issues, { nonEmpty: true });
  } else if (externalId !== undefined) {
    expectStringArray(externalId, [...path, 'external_id'], issues);
  }
  if (userData.client_ip_address !== undefined) {
    expectIp(userData.client_ip_address, [...path, 'client_ip_address'], issues);
  }
  for (const key of PLAIN_KEYS) {
    if (userData[key] !== undefined) expectPlain(userData[key], [...path, key], issues);
  }
  if (website) present(userData, 'client_user_agent', path, issues);
  if (!CUSTOMER_KEYS.some((key) => userData[key] !== undefined)) {
    issues.add(path, 'identifiers', 'must contain at least one customer information parameter');
  }
  // Meta accepts a malformed fbc/fbp but says so in `messages`; the match is lost, not the event.
  for (const key of ['fbc', 'fbp']) {
    const value = userData[key];
    if (typeof value === 'string' && !FB_COOKIE.test(value)) {
      warnings.push(
        `${metaPath([...path, key])} is not in the fb.{subdomain_index}.{creation_time}.{value} format`,
      );
    }
  }
}

function checkCustomData(customData: unknown, path: Path, purchase: boolean, issues: Issues): void {
  if (!expectObject(customData, path, issues)) return;
  if (purchase) {
    present(customData, 'value', path, issues);
    present(customData, 'currency', path, issues);
  }
  if (customData.value !== undefined && customData.value !== null) {
    expectNumber(customData.value, [...path, 'value'], issues);
  }
  const currency = customData.currency;
  if (currency !== undefined && currency !== null && expectString(currency, [...path, 'currency'], issues)) {
    if (!/^[A-Za-z]{3}$/.test(currency)) {
      issues.add([...path, 'currency'], 'invalid', 'must be an ISO 4217 currency code');
    }
  }
  if (customData.content_ids !== undefined) {
    expectStringArray(customData.content_ids, [...path, 'content_ids'], issues);
  }
  if (customData.contents !== undefined && expectArray(customData.contents, [...path, 'contents'], issues)) {
    customData.contents.forEach((item, i) => {
      const itemPath = [...path, 'contents', i];
      if (!expectObject(item, itemPath, issues)) return;
      if (present(item, 'id', itemPath, issues))
        expectString(item.id, [...itemPath, 'id'], issues, { nonEmpty: true });
      if (item.quantity !== undefined) expectInteger(item.quantity, [...itemPath, 'quantity'], issues);
      if (item.item_price !== undefined) expectNumber(item.item_price, [...itemPath, 'item_price'], issues);
    });
  }
  if (customData.content_type !== undefined) {
    expectEnum(customData.content_type, ['product', 'product_group'], [...path, 'content_type'], issues);
  }
  if (customData.num_items !== undefined) expectInteger(customData.num_items, [...path, 'num_items'], issues);
  for (const key of ['order_id', 'search_string', 'content_name', 'content_category']) {
    if (customData[key] !== undefined) expectString(customData[key], [...path, key], issues);
  }
  if (customData.predicted_ltv !== undefined) {
    expectNumber(customData.predicted_ltv, [...path, 'predicted_ltv'], issues);
  }
}

/**
 * The body may be JSON or form fields (Meta's own curl example posts `data=<json array>`); a form's
 * `data` is itself a JSON string.
 */
function readParams(request: FakeRequest): { params: Record<string, unknown> } | { error: string } {
  if (request.contentType === 'application/x-www-form-urlencoded') {
    const params: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(request.rawBody)) params[key] = value;
    if (typeof params.data === 'string') {
      try {
        params.data = JSON.parse(params.data) as unknown;
      } catch {
        return { error: 'the form field data must be a JSON array' };
      }
    }
    return { params };
  }
  if (request.contentType !== 'application/json') {
    return { error: `unsupported Content-Type '${request.contentType}': send application/json` };
  }
  if (request.jsonError !== undefined) return { error: request.jsonError };
  if (!isRecord(request.json)) return { error: 'the request body must be a JSON object' };
  return { params: request.json };
}

function parameterError(issue: Issue): PlatformReply {
  const where = issue.path.length > 0 ? `The parameter ${metaPath(issue.path)} ` : 'The request ';
  if (issue.code === 'too_old') {
    const days = issue.message.includes('62 days') ? 62 : 7;
    return graphError(400, {
      message: 'Invalid parameter',
      type: 'OAuthException',
      code: 100,
      error_subcode: 2804003,
      is_transient: false,
      error_user_title: 'Event Timestamp Too Old',
      error_user_msg: `The timestamp for this event is too far in the past. Events need to be sent from your server within ${days} days of when they occurred. Enter a timestamp that has occurred within the last ${days} days. (${metaPath(issue.path)})`,
    });
  }
  return graphError(400, {
    message: 'Invalid parameter',
    type: 'OAuthException',
    code: 100,
    error_subcode: 2804019,
    is_transient: false,
    error_user_title: 'Server-side API parameter error',
    error_user_msg: `${where}${issue.message}.`,
  });
}

function badToken(): PlatformReply {
  const message = 'Invalid OAuth access token - Cannot parse access token';
  return graphError(
    400,
    { message, type: 'OAuthException', code: 190 },
    {
      'www-authenticate': `OAuth "Facebook Platform" "invalid_token" "${message}"`,
    },
  );
}

function renderFailure(failure: RenderableFailure): PlatformReply {
  switch (failure.kind) {
    case 'status':
      return {
        status: failure.status,
        body: failure.body ?? {
          error: {
            message: 'An unexpected error has occurred. Please retry your request later.',
            type: 'OAuthException',
            is_transient: true,
            code: 2,
            fbtrace_id: traceId(),
          },
        },
      };
    case 'rateLimit':
      return graphError(
        429,
        { message: '(#17) User request limit reached', type: 'OAuthException', code: 17, is_transient: true },
        { 'retry-after': String(failure.retryAfterSeconds) },
      );
    case 'throttle':
      return failure.code === 4
        ? graphError(400, {
            message: '(#4) Application request limit reached',
            type: 'OAuthException',
            code: 4,
            is_transient: true,
          })
        : graphError(400, {
            message: '(#17) User request limit reached',
            type: 'OAuthException',
            code: 17,
            error_subcode: 2446079,
            is_transient: true,
          });
    case 'badToken':
      return badToken();
  }
}

function graphError(
  status: number,
  error: Record<string, Json>,
  headers?: Record<string, string>,
): PlatformReply {
  const reply: PlatformReply = { status, body: { error: { ...error, fbtrace_id: traceId() } } };
  if (headers !== undefined) reply.headers = headers;
  return reply;
}

function traceId(): string {
  return randomBytes(8).toString('base64url');
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
