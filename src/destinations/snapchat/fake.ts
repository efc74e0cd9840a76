/**
 * Fake Snapchat Conversions API v3: `POST /v3/{pixel_id}/events?access_token=…`, and the test path
 * `/v3/{pixel_id}/events/validate` (reference §4). Answers with Snap's EventResponse /
 * ValidateResponse shapes (`status: VALID | INVALID`).
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
  expectNumber,
  expectObject,
  expectPlain,
  expectString,
  expectStringArray,
  expectUnixSeconds,
  type Issue,
  Issues,
  isRecord,
  jsPath,
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

export type FakeSnapchatOptions = FakeOptions;

/** From RudderStack and Tealium; Snap's own text does not state it (UNCONFIRMED in the reference). */
const MAX_EVENTS = 2000;
const MAX_AGE_DAYS = 37;

export const SNAPCHAT_EVENT_NAMES = [
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
  'APP_OPEN',
  'APP_INSTALL',
  'CUSTOM_EVENT_1',
  'CUSTOM_EVENT_2',
  'CUSTOM_EVENT_3',
  'CUSTOM_EVENT_4',
  'CUSTOM_EVENT_5',
] as const;

/**
 * Both spellings are in production use (RudderStack WEB/MOBILE_APP/OFFLINE, Segment website/app/OFFLINE)
 * and the canonical one is unconfirmed, so the fake accepts either rather than fail a correct adapter.
 */
const ACTION_SOURCES = ['WEB', 'MOBILE_APP', 'OFFLINE', 'website', 'app', 'offline'] as const;

/** external_id and db are not in the v3 SDK schema but are sent hashed by Segment (reference §4). */
const HASHED_KEYS = ['em', 'ph', 'fn', 'ln', 'ge', 'ct', 'st', 'zp', 'country', 'external_id', 'db'] as const;
const PLAIN_KEYS = [
  'client_user_agent',
  'sc_click_id',
  'sc_cookie1',
  'mobile_ad_id',
  'madid',
  'idfv',
] as const;

export function startFakeSnapchat(options: FakeSnapchatOptions = {}): Promise<FakePlatform> {
  const now = options.now ?? Date.now;
  return startFakeServer(
    {
      name: 'snapchat',
      isTestMode: (request) => request.path.endsWith('/events/validate'),
      handle: (request) => handle(request, options, now()),
      renderFailure,
    },
    options,
  );
}

function handle(request: FakeRequest, options: FakeOptions, nowMs: number): PlatformReply {
  const match = /^\/v3\/([^/]+)\/events(\/validate)?$/.exec(request.path);
  if (match === null) {
    return invalid(
      404,
      `Not found: ${request.path} (use /v3/{pixel_id}/events or /v3/{pixel_id}/events/validate)`,
    );
  }
  const pixelId = match[1] ?? '';
  const validate = match[2] !== undefined;
  if (request.method !== 'POST') return invalid(405, 'Method not allowed: use POST');
  if (!tokenIsValid(request.query.access_token, options)) return unauthorized();
  if (!idIsKnown(pixelId, options))
    return invalid(403, `The access token has no access to asset ${pixelId}.`);
  if (request.contentType !== 'application/json') {
    return invalid(400, `Content-Type must be application/json, got '${request.contentType}'`);
  }
  if (request.jsonError !== undefined) return invalid(400, request.jsonError);
  const body = request.json;
  if (!isRecord(body)) return invalid(400, 'the request body must be a JSON object');

  const top = new Issues();
  const perEvent: Issues[] = [];
  if (present(body, 'data', [], top) && expectArray(body.data, ['data'], top, { min: 1, max: MAX_EVENTS })) {
    body.data.forEach((event, i) => {
      const issues = new Issues();
      checkEvent(event, ['data', i], nowMs, issues);
      perEvent.push(issues);
    });
  }
  const topIssue = top.list[0];
  if (topIssue !== undefined)
    return invalid(400, `${jsPath(topIssue.path)}: ${topIssue.message}`, [topIssue]);

  const events = body.data as Record<string, unknown>[];
  const failedIndex = perEvent.findIndex((issues) => !issues.empty);
  if (validate) return validateReply(events, perEvent);
  if (failedIndex >= 0) {
    const issues = perEvent[failedIndex]?.list ?? [];
    const first = issues[0];
    const reason = first === undefined ? 'invalid event' : `${jsPath(first.path)}: ${first.message}`;
    return {
      status: 400,
      body: { status: 'INVALID', reason, event: failedIndex, errors: errorDetails(issues) },
    };
  }
  return {
    status: 200,
    body: { status: 'VALID', reason: `${events.length} event(s) have been processed successfully.` },
    accepted: events,
  };
}

/** The test tool answers per event (`event_logs`), and the request fails if any event does. */
function validateReply(events: Record<string, unknown>[], perEvent: Issues[]): PlatformReply {
  const valid = perEvent.every((issues) => issues.empty);
  const eventLogs = perEvent.map((issues, i): Json => {
    if (issues.empty) return { event: i, status: 'VALID', warnings: [] };
    return { event: i, status: 'INVALID', errors: errorDetails(issues.list), warnings: [] };
  });
  const reply: PlatformReply = {
    status: valid ? 200 : 400,
    body: {
      status: valid ? 'VALID' : 'INVALID',
      test_event: true,
      reason: valid ? 'All events are valid.' : 'Some events are invalid; see event_logs.',
      event_logs: eventLogs,
    },
  };
  if (valid) reply.accepted = events;
  return reply;
}

function checkEvent(event: unknown, path: Path, nowMs: number, issues: Issues): void {
  if (!expectObject(event, path, issues)) return;
  if (present(event, 'event_name', path, issues)) {
    expectEnum(event.event_name, SNAPCHAT_EVENT_NAMES, [...path, 'event_name'], issues);
  }
  if (present(event, 'event_time', path, issues)) {
    const timePath = [...path, 'event_time'];
    if (expectUnixSeconds(event.event_time, timePath, issues)) {
      checkAge(
        event.event_time * 1000,
        nowMs,
        { maxAgeMs: MAX_AGE_DAYS * DAY_MS, ageText: `${MAX_AGE_DAYS} days` },
        timePath,
        issues,
      );
    }
  }
  if (present(event, 'action_source', path, issues)) {
    expectEnum(event.action_source, ACTION_SOURCES, [...path, 'action_source'], issues);
  }
  for (const key of ['event_id', 'event_source_url', 'integration']) {
    if (event[key] !== undefined) expectString(event[key], [...path, key], issues, { nonEmpty: true });
  }
  if (event.opt_out !== undefined) expectBoolean(event.opt_out, [...path, 'opt_out'], issues);
  if (event.data_processing_options !== undefined) {
    expectStringArray(event.data_processing_options, [...path, 'data_processing_options'], issues);
  }
  if (present(event, 'user_data', path, issues))
    checkUserData(event.user_data, [...path, 'user_data'], issues);
  if (event.custom_data !== undefined) {
    checkCustomData(event.custom_data, [...path, 'custom_data'], event.event_name === 'PURCHASE', issues);
  }
}

function checkUserData(userData: unknown, path: Path, issues: Issues): void {
  if (!expectObject(userData, path, issues)) return;
  for (const key of HASHED_KEYS) {
    if (userData[key] !== undefined) expectHashed(userData[key], 'array', [...path, key], issues);
  }
  if (userData.client_ip_address !== undefined) {
    expectIp(userData.client_ip_address, [...path, 'client_ip_address'], issues);
  }
  for (const key of PLAIN_KEYS) {
    if (userData[key] !== undefined) expectPlain(userData[key], [...path, key], issues);
  }
  const has = (key: string): boolean => userData[key] !== undefined;
  if (
    !has('em') &&
    !has('ph') &&
    !has('mobile_ad_id') &&
    !has('madid') &&
    !(has('client_ip_address') && has('client_user_agent'))
  ) {
    issues.add(
      path,
      'identifiers',
      'must contain em, ph, mobile_ad_id, or both client_ip_address and client_user_agent',
    );
  }
}

function checkCustomData(customData: unknown, path: Path, purchase: boolean, issues: Issues): void {
  if (!expectObject(customData, path, issues)) return;
  // "Required for Purchase events" in Snap's schema.
  if (purchase) {
    present(customData, 'currency', path, issues);
    present(customData, 'value', path, issues);
  }
  if (customData.value !== undefined && customData.value !== null) {
    expectNumber(customData.value, [...path, 'value'], issues);
  }
  const currency = customData.currency;
  if (currency !== undefined && currency !== null && expectString(currency, [...path, 'currency'], issues)) {
    if (!/^[A-Za-z]{3}$/.test(currency))
      issues.add([...path, 'currency'], 'invalid', 'must be an ISO 4217 currency code');
  }
  if (customData.content_ids !== undefined)
    expectStringArray(customData.content_ids, [...path, 'content_ids'], issues);
  if (customData.num_items !== undefined) expectInteger(customData.num_items, [...path, 'num_items'], issues);
  for (const key of [
    'content_category',
    'content_type',
    'order_id',
    'search_string',
    'status',
    'brands',
    'sign_up_method',
  ]) {
    if (customData[key] !== undefined) expectString(customData[key], [...path, key], issues);
  }
  if (
    customData.custom_fields !== undefined &&
    expectObject(customData.custom_fields, [...path, 'custom_fields'], issues)
  ) {
    for (const [key, value] of Object.entries(customData.custom_fields)) {
      expectString(value, [...path, 'custom_fields', key], issues);
    }
  }
  if (customData.contents !== undefined && expectArray(customData.contents, [...path, 'contents'], issues)) {
    customData.contents.forEach((item, i) => {
      const itemPath = [...path, 'contents', i];
      if (!expectObject(item, itemPath, issues)) return;
      // Snap's schema types quantity and item_price as strings.
      for (const key of ['id', 'quantity', 'item_price', 'delivery_category', 'brand']) {
        if (item[key] !== undefined) expectString(item[key], [...itemPath, key], issues);
      }
    });
  }
}

function errorDetails(issues: Issue[]): Json {
  return {
    codes: issues.map((issue) => issue.code.toUpperCase()),
    error_msgs: issues.map((issue) => `${jsPath(issue.path)}: ${issue.message}`),
  };
}

function invalid(status: number, reason: string, issues?: Issue[]): PlatformReply {
  const body: Record<string, Json> = { status: 'INVALID', reason };
  if (issues !== undefined) body.errors = errorDetails(issues);
  return { status, body };
}

function unauthorized(): PlatformReply {
  return invalid(401, 'Unauthorized: the access token is missing, invalid or expired.');
}

function renderFailure(failure: RenderableFailure): PlatformReply {
  switch (failure.kind) {
    case 'status':
      return {
        status: failure.status,
        body: failure.body ?? { status: 'INVALID', reason: 'Internal server error' },
      };
    case 'rateLimit':
      return {
        status: 429,
        headers: { 'retry-after': String(failure.retryAfterSeconds) },
        body: { status: 'INVALID', reason: 'Too many requests: rate limit exceeded.' },
      };
    case 'throttle':
      return { status: 429, body: { status: 'INVALID', reason: 'Too many requests: rate limit exceeded.' } };
    case 'badToken':
      return unauthorized();
  }
}
