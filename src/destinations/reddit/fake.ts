/**
 * Fake Reddit Conversions API v3: `POST /api/v3/pixels/{pixel_id}/conversion_events` with
 * `Authorization: Bearer` (reference §5). v3 response bodies are unconfirmed, so the fake answers
 * with the v2 shapes the reference records: success `{"message":"Successfully processed N conversion
 * events."}` and, when any event is invalid, a 400 listing `invalid_events` (none are processed).
 */
import {
  checkAge,
  expectArray,
  expectEnum,
  expectHashed,
  expectInteger,
  expectNumber,
  expectObject,
  expectPlain,
  expectString,
  expectStringArray,
  expectUnixMillis,
  type Issue,
  Issues,
  isRecord,
  jsPath,
  type Path,
  present,
} from '../fakes/checks.js';
import type { FakeOptions, FakePlatform, Json } from '../fakes/common.js';
import {
  bearerToken,
  type FakeRequest,
  idIsKnown,
  type PlatformReply,
  type RenderableFailure,
  startFakeServer,
  tokenIsValid,
} from '../fakes/server.js';

export type FakeRedditOptions = FakeOptions;

const MAX_EVENTS = 1000;
const MAX_AGE_MS = 168 * 60 * 60 * 1000;
const MAX_FUTURE_MS = 5 * 60 * 1000;

export const REDDIT_TRACKING_TYPES = [
  'PAGE_VISIT',
  'VIEW_CONTENT',
  'SEARCH',
  'ADD_TO_CART',
  'ADD_TO_WISHLIST',
  'LEAD',
  'PURCHASE',
  'SIGN_UP',
  'CUSTOM',
] as const;
const ACTION_SOURCES = ['WEBSITE', 'APP', 'PHYSICAL_STORE', 'OTHER'] as const;
/** Reddit v3 hashes the IP too (Segment and RudderStack both do). */
const HASHED_KEYS = ['email', 'phone_number', 'external_id', 'ip_address', 'idfa', 'aaid'] as const;
const PLAIN_KEYS = ['user_agent', 'uuid'] as const;

export function startFakeReddit(options: FakeRedditOptions = {}): Promise<FakePlatform> {
  const now = options.now ?? Date.now;
  return startFakeServer(
    {
      name: 'reddit',
      isTestMode: (request) => {
        const data = isRecord(request.json) ? request.json.data : undefined;
        return isRecord(data) && typeof data.test_id === 'string' && data.test_id !== '';
      },
      handle: (request) => handle(request, options, now()),
      renderFailure,
    },
    options,
  );
}

function handle(request: FakeRequest, options: FakeOptions, nowMs: number): PlatformReply {
  const match = /^\/api\/v3\/pixels\/([^/]+)\/conversion_events$/.exec(request.path);
  if (match === null) {
    return {
      status: 404,
      body: { message: `Not found: ${request.path} (use /api/v3/pixels/{pixel_id}/conversion_events)` },
    };
  }
  if (request.method !== 'POST') return { status: 405, body: { message: 'Method not allowed: use POST' } };
  if (!tokenIsValid(bearerToken(request.headers), options)) return unauthorized();
  const pixelId = match[1] ?? '';
  if (!idIsKnown(pixelId, options)) {
    return {
      status: 403,
      body: { success: false, error: { reason: 'FORBIDDEN', explanation: `No access to pixel ${pixelId}.` } },
    };
  }
  if (request.contentType !== 'application/json') {
    return badRequest(`Content-Type must be application/json, got '${request.contentType}'`);
  }
  if (request.jsonError !== undefined) return badRequest(request.jsonError);
  const body = request.json;
  if (!isRecord(body)) return badRequest('the request body must be a JSON object');

  const top = new Issues();
  if (!present(body, 'data', [], top) || !expectObject(body.data, ['data'], top))
    return fromIssue(top.list[0]);
  const data = body.data;
  for (const key of ['test_id', 'partner']) {
    if (data[key] !== undefined) expectString(data[key], ['data', key], top, { nonEmpty: true });
  }
  // The v2 API's test switch; on v3 it would silently send live events, so it is refused.
  if (data.test_mode !== undefined) {
    top.add(['data', 'test_mode'], 'unknown_key', 'is a v2.0 field; v3 uses data.test_id');
  }
  if (present(data, 'events', ['data'], top)) {
    expectArray(data.events, ['data', 'events'], top, { min: 1, max: MAX_EVENTS });
  }
  if (!top.empty) return fromIssue(top.list[0]);

  const events = data.events as unknown[];
  const invalidEvents: Json[] = [];
  events.forEach((event, i) => {
    const issues = new Issues();
    checkEvent(event, ['data', 'events', i], nowMs, issues);
    if (!issues.empty) {
      invalidEvents.push({
        error_message: issues.list.map((issue) => `${jsPath(issue.path)}: ${issue.message}`).join('; '),
        event: event as Json,
      });
    }
  });
  if (invalidEvents.length > 0) {
    return {
      status: 400,
      body: {
        message: `There were ${invalidEvents.length} invalid conversion events. None were processed.`,
        invalid_events: invalidEvents,
      },
    };
  }
  return {
    status: 200,
    body: { message: `Successfully processed ${events.length} conversion events.` },
    accepted: events as Record<string, unknown>[],
  };
}

function checkEvent(event: unknown, path: Path, nowMs: number, issues: Issues): void {
  if (!expectObject(event, path, issues)) return;
  if (present(event, 'event_at', path, issues)) {
    if (expectUnixMillis(event.event_at, [...path, 'event_at'], issues)) {
      checkAge(
        event.event_at,
        nowMs,
        { maxAgeMs: MAX_AGE_MS, maxFutureMs: MAX_FUTURE_MS, ageText: '168h0m0s' },
        [...path, 'event_at'],
        issues,
      );
    }
  }
  if (present(event, 'action_source', path, issues)) {
    expectEnum(event.action_source, ACTION_SOURCES, [...path, 'action_source'], issues);
  }
  if (present(event, 'type', path, issues) && expectObject(event.type, [...path, 'type'], issues)) {
    const type = event.type;
    const typePath = [...path, 'type'];
    if (present(type, 'tracking_type', typePath, issues)) {
      const ok = expectEnum(
        type.tracking_type,
        REDDIT_TRACKING_TYPES,
        [...typePath, 'tracking_type'],
        issues,
      );
      if (ok && type.tracking_type === 'CUSTOM' && present(type, 'custom_event_name', typePath, issues)) {
        expectString(type.custom_event_name, [...typePath, 'custom_event_name'], issues, { nonEmpty: true });
      }
    }
  }
  if (event.click_id !== undefined) expectPlain(event.click_id, [...path, 'click_id'], issues);
  if (event.event_source_url !== undefined) {
    expectString(event.event_source_url, [...path, 'event_source_url'], issues, { nonEmpty: true });
  }
  if (event.user !== undefined) checkUser(event.user, [...path, 'user'], issues);
  if (event.metadata !== undefined) checkMetadata(event.metadata, [...path, 'metadata'], issues);
}

function checkUser(user: unknown, path: Path, issues: Issues): void {
  if (!expectObject(user, path, issues)) return;
  for (const key of HASHED_KEYS) {
    if (user[key] !== undefined) expectHashed(user[key], 'string', [...path, key], issues);
  }
  for (const key of PLAIN_KEYS) {
    if (user[key] !== undefined) expectPlain(user[key], [...path, key], issues);
  }
  const dpo = user.data_processing_options;
  if (dpo !== undefined && expectObject(dpo, [...path, 'data_processing_options'], issues)) {
    for (const key of ['country', 'region']) {
      if (dpo[key] !== undefined) expectString(dpo[key], [...path, 'data_processing_options', key], issues);
    }
    if (dpo.modes !== undefined)
      expectStringArray(dpo.modes, [...path, 'data_processing_options', 'modes'], issues);
  }
  const screen = user.screen_dimensions;
  if (screen !== undefined && expectObject(screen, [...path, 'screen_dimensions'], issues)) {
    for (const key of ['width', 'height']) {
      if (screen[key] !== undefined) expectInteger(screen[key], [...path, 'screen_dimensions', key], issues);
    }
  }
}

function checkMetadata(metadata: unknown, path: Path, issues: Issues): void {
  if (!expectObject(metadata, path, issues)) return;
  if (metadata.conversion_id !== undefined) {
    expectString(metadata.conversion_id, [...path, 'conversion_id'], issues, { nonEmpty: true });
  }
  if (metadata.currency !== undefined && expectString(metadata.currency, [...path, 'currency'], issues)) {
    if (!/^[A-Za-z]{3}$/.test(metadata.currency)) {
      issues.add([...path, 'currency'], 'invalid', 'must be an ISO 4217 currency code');
    }
  }
  if (metadata.value !== undefined) expectNumber(metadata.value, [...path, 'value'], issues);
  if (metadata.item_count !== undefined) expectInteger(metadata.item_count, [...path, 'item_count'], issues);
  if (metadata.products !== undefined && expectArray(metadata.products, [...path, 'products'], issues)) {
    metadata.products.forEach((product, i) => {
      const productPath = [...path, 'products', i];
      if (!expectObject(product, productPath, issues)) return;
      for (const key of ['id', 'name', 'category']) {
        if (product[key] !== undefined) expectString(product[key], [...productPath, key], issues);
      }
      if (product.quantity !== undefined)
        expectInteger(product.quantity, [...productPath, 'quantity'], issues);
      if (product.item_price !== undefined)
        expectNumber(product.item_price, [...productPath, 'item_price'], issues);
    });
  }
}

function fromIssue(issue: Issue | undefined): PlatformReply {
  return badRequest(issue === undefined ? 'invalid request' : `${jsPath(issue.path)}: ${issue.message}`);
}

function badRequest(message: string): PlatformReply {
  return { status: 400, body: { message } };
}

function unauthorized(): PlatformReply {
  return {
    status: 401,
    body: {
      success: false,
      error: { reason: 'UNAUTHORIZED', explanation: 'The access token is missing, invalid or expired.' },
    },
  };
}

function renderFailure(failure: RenderableFailure): PlatformReply {
  switch (failure.kind) {
    case 'status':
      return { status: failure.status, body: failure.body ?? { message: 'Internal Server Error' } };
    case 'rateLimit':
      return {
        status: 429,
        headers: { 'retry-after': String(failure.retryAfterSeconds) },
        body: { message: 'Too Many Requests' },
      };
    case 'throttle':
      return { status: 429, body: { message: 'Too Many Requests' } };
    case 'badToken':
      return unauthorized();
  }
}
