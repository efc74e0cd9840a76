/**
 * Fake TikTok Events API 2.0: `POST /open_api/v1.3/event/track/` with an `Access-Token` header
 * (reference §2). TikTok answers HTTP 200 even for errors; the verdict is the JSON `code`.
 */
import { randomBytes } from 'node:crypto';
import {
  dotPath,
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
  ISO_CURRENCY,
  Issues,
  isRecord,
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

export type FakeTikTokOptions = FakeOptions;

export const TIKTOK_TRACK_PATH = '/open_api/v1.3/event/track/';

const MAX_EVENTS = 1000;
const EVENT_SOURCES = ['web', 'app', 'offline', 'crm'] as const;
/** Hashed: email, phone, external_id (string or list), first_name, last_name, zip_code. */
const HASHED_EITHER = ['email', 'phone', 'external_id'] as const;
const HASHED_STRING = ['first_name', 'last_name', 'zip_code'] as const;
/** Sent unhashed: ip is checked as an IP; city/state/country are plain per the reference's decision. */
const PLAIN_KEYS = ['user_agent', 'ttclid', 'ttp', 'locale', 'city', 'state', 'country'] as const;

export function startFakeTikTok(options: FakeTikTokOptions = {}): Promise<FakePlatform> {
  return startFakeServer(
    {
      name: 'tiktok',
      isTestMode: (request) =>
        isRecord(request.json) &&
        typeof request.json.test_event_code === 'string' &&
        request.json.test_event_code !== '',
      handle: (request) => handle(request, options),
      renderFailure,
    },
    options,
  );
}

function handle(request: FakeRequest, options: FakeOptions): PlatformReply {
  if (request.path !== TIKTOK_TRACK_PATH) {
    return {
      status: 404,
      body: {
        code: 40400,
        message: `Not found: ${request.path}. The Events API 2.0 endpoint is POST ${TIKTOK_TRACK_PATH} (keep the trailing slash).`,
        request_id: requestId(),
        data: {},
      },
    };
  }
  if (request.method !== 'POST') {
    return {
      status: 405,
      body: { code: 40405, message: 'Method not allowed: use POST', request_id: requestId(), data: {} },
    };
  }
  const token = request.headers['access-token'];
  if (token === undefined || token === '') return answer(40105, 'Access-Token header is missing.');
  if (!tokenIsValid(token, options)) return badToken();
  if (request.contentType !== 'application/json') {
    return answer(40002, `Content-Type must be application/json, got '${request.contentType}'.`);
  }
  if (request.jsonError !== undefined) return answer(40002, `Invalid request body: ${request.jsonError}.`);

  const issues = new Issues();
  const body = request.json;
  if (!expectObject(body, [], issues)) return answer(40002, 'Invalid request body: must be a JSON object.');
  if (present(body, 'event_source', [], issues))
    expectEnum(body.event_source, EVENT_SOURCES, ['event_source'], issues);
  let pixelCode: string | undefined;
  if (present(body, 'event_source_id', [], issues)) {
    if (expectString(body.event_source_id, ['event_source_id'], issues, { nonEmpty: true })) {
      pixelCode = body.event_source_id;
    }
  }
  // Only the permission question is answered before validation: an unknown pixel is a 40001.
  if (pixelCode !== undefined && !idIsKnown(pixelCode, options)) {
    return answer(
      40001,
      `No permission to operate pixel code: ${pixelCode}. Please check your access token and pixel code.`,
    );
  }
  for (const key of ['test_event_code', 'partner_name']) {
    if (body[key] !== undefined) expectString(body[key], [key], issues, { nonEmpty: true });
  }
  if (
    present(body, 'data', [], issues) &&
    expectArray(body.data, ['data'], issues, { min: 1, max: MAX_EVENTS })
  ) {
    body.data.forEach((event, i) => {
      checkEvent(event, ['data', i], issues);
    });
  }
  const first = issues.list[0];
  // One bad event fails the batch (Hightouch's observation; TikTok's own text is not public).
  if (first !== undefined) return answer(40002, `${dotPath(first.path)}: ${first.message}`);

  return { ...answer(0, 'OK'), accepted: body.data as Record<string, unknown>[] };
}

function checkEvent(event: unknown, path: Path, issues: Issues): void {
  if (!expectObject(event, path, issues)) return;
  if (present(event, 'event', path, issues))
    expectString(event.event, [...path, 'event'], issues, { nonEmpty: true });
  if (present(event, 'event_time', path, issues))
    expectUnixSeconds(event.event_time, [...path, 'event_time'], issues);
  if (event.event_id !== undefined)
    expectString(event.event_id, [...path, 'event_id'], issues, { nonEmpty: true });
  if (event.limited_data_use !== undefined) {
    expectBoolean(event.limited_data_use, [...path, 'limited_data_use'], issues);
  }
  if (event.user !== undefined) checkUser(event.user, [...path, 'user'], issues);
  if (event.page !== undefined && expectObject(event.page, [...path, 'page'], issues)) {
    for (const key of ['url', 'referrer']) {
      if (event.page[key] !== undefined) expectString(event.page[key], [...path, 'page', key], issues);
    }
  }
  if (event.properties !== undefined) checkProperties(event.properties, [...path, 'properties'], issues);
}

function checkUser(user: unknown, path: Path, issues: Issues): void {
  if (!expectObject(user, path, issues)) return;
  for (const key of HASHED_EITHER) {
    if (user[key] !== undefined) expectHashed(user[key], 'either', [...path, key], issues);
  }
  for (const key of HASHED_STRING) {
    if (user[key] !== undefined) expectHashed(user[key], 'string', [...path, key], issues);
  }
  if (user.ip !== undefined) expectIp(user.ip, [...path, 'ip'], issues);
  for (const key of PLAIN_KEYS) {
    if (user[key] !== undefined) expectPlain(user[key], [...path, key], issues);
  }
}

function checkProperties(properties: unknown, path: Path, issues: Issues): void {
  if (!expectObject(properties, path, issues)) return;
  if (properties.value !== undefined) expectNumber(properties.value, [...path, 'value'], issues);
  if (properties.currency !== undefined && expectString(properties.currency, [...path, 'currency'], issues)) {
    if (!ISO_CURRENCY.test(properties.currency)) {
      issues.add([...path, 'currency'], 'invalid', 'must be an upper-case ISO 4217 currency code');
    }
  }
  if (properties.content_type !== undefined) {
    expectEnum(properties.content_type, ['product', 'product_group'], [...path, 'content_type'], issues);
  }
  if (properties.content_ids !== undefined) {
    expectStringArray(properties.content_ids, [...path, 'content_ids'], issues);
  }
  if (properties.num_items !== undefined) expectInteger(properties.num_items, [...path, 'num_items'], issues);
  for (const key of ['order_id', 'shop_id', 'search_string', 'query', 'description', 'delivery_category']) {
    if (properties[key] !== undefined) expectString(properties[key], [...path, key], issues);
  }
  if (properties.contents !== undefined && expectArray(properties.contents, [...path, 'contents'], issues)) {
    properties.contents.forEach((item, i) => {
      const itemPath = [...path, 'contents', i];
      if (!expectObject(item, itemPath, issues)) return;
      if (item.content_id !== undefined) {
        expectString(item.content_id, [...itemPath, 'content_id'], issues, { nonEmpty: true });
      }
      for (const key of ['content_name', 'content_category', 'brand']) {
        if (item[key] !== undefined) expectString(item[key], [...itemPath, key], issues);
      }
      if (item.price !== undefined) expectNumber(item.price, [...itemPath, 'price'], issues);
      if (item.quantity !== undefined) expectInteger(item.quantity, [...itemPath, 'quantity'], issues);
    });
  }
}

/** TikTok's envelope, always HTTP 200. */
function answer(code: number, message: string, data: Json = {}): PlatformReply {
  return { status: 200, body: { code, message, request_id: requestId(), data } };
}

function badToken(): PlatformReply {
  return answer(40105, 'Access token is incorrect or has been revoked.');
}

function renderFailure(failure: RenderableFailure): PlatformReply {
  switch (failure.kind) {
    case 'status':
      return {
        status: failure.status,
        body: failure.body ?? { code: 50000, message: 'System error', request_id: requestId(), data: {} },
      };
    case 'rateLimit':
      return {
        status: 429,
        headers: { 'retry-after': String(failure.retryAfterSeconds) },
        body: {
          code: 40100,
          message: 'Too many requests. Please retry in some time.',
          request_id: requestId(),
          data: {},
        },
      };
    case 'throttle':
      return answer(40100, 'Too many requests. Please retry in some time.');
    case 'badToken':
      return badToken();
  }
}

/** TikTok request ids are a timestamp followed by random hex. */
function requestId(): string {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  return `${stamp}${randomBytes(9).toString('hex').toUpperCase()}`;
}
