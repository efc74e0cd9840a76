/**
 * Fake Microsoft Advertising UET Conversions API: `POST /v1/{uetTagId}/events` with
 * `Authorization: Bearer <token>` (reference destinations-2.md §3, Microsoft's CAPI guide).
 *
 * Answers as the guide shows: 200 `{eventsReceived}`; 401 `{error: {code: "Unauthorized"}}`; 400
 * `{error: {code: "ValidationError", message, details: [{index, propertyName, errorMessage}]}}` naming
 * every invalid event. With `continueOnValidationError: true` (top level) the valid events of such a batch
 * are still taken, otherwise none is. The guide leaves open whether that partial success answers 400 or
 * 200; this fake answers 400 (the adapter reads both alike). Events older than 7 days are refused, as
 * third-party implementations enforce (Microsoft publishes no limit).
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
  expectNumber,
  expectObject,
  expectPlain,
  expectString,
  expectStringArray,
  expectUnixSeconds,
  expectUrl,
  ISO_CURRENCY,
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

export type FakeMicrosoftOptions = FakeOptions;

const MAX_EVENTS = 1000;
const MAX_AGE_DAYS = 7;

const BODY_KEYS = new Set(['data', 'continueOnValidationError']);
const EVENT_KEYS = new Set([
  'eventType',
  'eventId',
  'eventName',
  'eventTime',
  'eventSourceUrl',
  'pageLoadId',
  'referrerUrl',
  'pageTitle',
  'keywords',
  'adStorageConsent',
  'userData',
  'customData',
]);
const HASHED_USER_KEYS = ['em', 'ph'] as const;
const PLAIN_USER_KEYS = ['clientUserAgent', 'anonymousId', 'msclkid', 'idfa', 'gaid'] as const;
const USER_KEYS = new Set<string>([...HASHED_USER_KEYS, ...PLAIN_USER_KEYS, 'clientIpAddress', 'externalId']);
const CUSTOM_KEYS = new Set([
  'eventCategory',
  'eventLabel',
  'eventValue',
  'searchTerm',
  'transactionId',
  'value',
  'currency',
  'items',
  'itemIds',
  'pageType',
  'ecommTotalValue',
  'ecommCategory',
  'hotelData',
]);
const PAGE_TYPES = ['cart', 'category', 'home', 'other', 'product', 'purchase', 'searchresults'] as const;
/** Page loads cannot carry revenue: a custom event with the same pageLoadId does. */
const REVENUE_KEYS = ['value', 'currency', 'ecommTotalValue', 'eventValue'] as const;

export function startFakeMicrosoft(options: FakeMicrosoftOptions = {}): Promise<FakePlatform> {
  const now = options.now ?? Date.now;
  return startFakeServer(
    {
      name: 'microsoft',
      // Microsoft has no test mode. "D" events are used for no advertising purpose, so a request of only
      // such events counts nothing: that is how Tagbridge tests, and what this flag reports.
      isTestMode: (request) => {
        const data = isRecord(request.json) ? request.json.data : undefined;
        return (
          Array.isArray(data) &&
          data.length > 0 &&
          data.every((event) => isRecord(event) && event.adStorageConsent === 'D')
        );
      },
      handle: (request) => handle(request, options, now()),
      renderFailure,
    },
    options,
  );
}

function handle(request: FakeRequest, options: FakeOptions, nowMs: number): PlatformReply {
  const match = /^\/v1\/([^/]+)\/events$/.exec(request.path);
  if (match === null) {
    return msError(404, 'NotFound', `No route for ${request.path} (the endpoint is /v1/{uetTagId}/events).`);
  }
  if (request.method !== 'POST') return msError(405, 'MethodNotAllowed', 'Use POST.');
  const tagId = match[1] ?? '';
  const token = bearerToken(request.headers);
  if (token === undefined)
    return msError(401, 'Unauthorized', 'The Authorization header (Bearer token) is missing.');
  // The token is issued per UET tag: another tag's (or an unknown tag) does not authenticate.
  if (!tokenIsValid(token, options) || !/^\d+$/.test(tagId) || !idIsKnown(tagId, options)) {
    return unauthorized();
  }
  if (request.contentType !== 'application/json') {
    return msError(
      415,
      'UnsupportedMediaType',
      `Content-Type must be application/json, got '${request.contentType}'.`,
    );
  }
  if (request.jsonError !== undefined) return msError(400, 'BadRequest', request.jsonError);
  const body = request.json;
  if (!isRecord(body)) return msError(400, 'BadRequest', 'The request body must be a JSON object.');

  const requestIssues = new Issues();
  expectKnownKeys(body, BODY_KEYS, [], requestIssues);
  if (body.continueOnValidationError !== undefined) {
    expectBoolean(body.continueOnValidationError, ['continueOnValidationError'], requestIssues);
  }
  const perEvent: Issues[] = [];
  if (
    present(body, 'data', [], requestIssues) &&
    expectArray(body.data, ['data'], requestIssues, { min: 1, max: MAX_EVENTS })
  ) {
    body.data.forEach((event, i) => {
      const issues = new Issues();
      checkEvent(event, ['data', i], nowMs, issues);
      perEvent.push(issues);
    });
  }
  if (!requestIssues.empty) return validationError(requestIssues.list.map((issue) => detail(issue)));

  const events = body.data as Record<string, unknown>[];
  const details = perEvent.flatMap((issues, index) => issues.list.map((issue) => detail(issue, index)));
  if (details.length === 0) return { status: 200, body: { eventsReceived: events.length }, accepted: events };
  const reply = validationError(details);
  if (body.continueOnValidationError === true) {
    reply.accepted = events.filter((_, index) => perEvent[index]?.empty === true);
  }
  return reply;
}

function checkEvent(event: unknown, path: Path, nowMs: number, issues: Issues): void {
  if (!expectObject(event, path, issues)) return;
  expectKnownKeys(event, EVENT_KEYS, path, issues);
  let pageLoad = false;
  if (present(event, 'eventType', path, issues)) {
    pageLoad =
      expectEnum(event.eventType, ['pageLoad', 'custom'], [...path, 'eventType'], issues) &&
      event.eventType === 'pageLoad';
  }
  if (
    present(event, 'eventTime', path, issues) &&
    expectUnixSeconds(event.eventTime, [...path, 'eventTime'], issues)
  ) {
    checkAge(
      event.eventTime * 1000,
      nowMs,
      { maxAgeMs: MAX_AGE_DAYS * DAY_MS, ageText: `${MAX_AGE_DAYS} days` },
      [...path, 'eventTime'],
      issues,
    );
  }
  for (const key of ['eventId', 'eventName', 'pageLoadId', 'pageTitle', 'keywords']) {
    if (event[key] !== undefined) expectString(event[key], [...path, key], issues, { nonEmpty: true });
  }
  if (pageLoad) present(event, 'eventSourceUrl', path, issues);
  for (const key of ['eventSourceUrl', 'referrerUrl']) {
    if (event[key] !== undefined) expectUrl(event[key], [...path, key], issues);
  }
  if (event.adStorageConsent !== undefined) {
    expectEnum(event.adStorageConsent, ['G', 'D'], [...path, 'adStorageConsent'], issues);
  }
  // "anonymousId must be sent with all events."
  if (present(event, 'userData', path, issues)) checkUserData(event.userData, [...path, 'userData'], issues);
  if (event.customData !== undefined)
    checkCustomData(event.customData, [...path, 'customData'], pageLoad, issues);
}

function checkUserData(userData: unknown, path: Path, issues: Issues): void {
  if (!expectObject(userData, path, issues)) return;
  expectKnownKeys(userData, USER_KEYS, path, issues);
  present(userData, 'anonymousId', path, issues);
  for (const key of HASHED_USER_KEYS) {
    if (userData[key] !== undefined) expectHashed(userData[key], 'string', [...path, key], issues);
  }
  for (const key of PLAIN_USER_KEYS) {
    if (userData[key] !== undefined) expectPlain(userData[key], [...path, key], issues);
  }
  // "Anonymized": hashed or a fresh id, either way a string.
  if (userData.externalId !== undefined) {
    expectString(userData.externalId, [...path, 'externalId'], issues, { nonEmpty: true });
  }
  if (userData.clientIpAddress !== undefined)
    expectIp(userData.clientIpAddress, [...path, 'clientIpAddress'], issues);
}

function checkCustomData(customData: unknown, path: Path, pageLoad: boolean, issues: Issues): void {
  if (!expectObject(customData, path, issues)) return;
  expectKnownKeys(customData, CUSTOM_KEYS, path, issues);
  if (pageLoad) {
    for (const key of REVENUE_KEYS) {
      if (customData[key] !== undefined) {
        issues.add(
          [...path, key],
          'invalid',
          'is not allowed on a pageLoad event (send revenue on a custom event)',
        );
      }
    }
  }
  for (const key of ['value', 'eventValue', 'ecommTotalValue']) {
    if (customData[key] !== undefined) expectNumber(customData[key], [...path, key], issues);
  }
  const currency = customData.currency;
  if (
    currency !== undefined &&
    expectString(currency, [...path, 'currency'], issues) &&
    !ISO_CURRENCY.test(currency)
  ) {
    issues.add([...path, 'currency'], 'invalid', 'must be an ISO 4217 currency code (upper case)');
  }
  for (const key of ['eventCategory', 'eventLabel', 'searchTerm', 'transactionId', 'ecommCategory']) {
    if (customData[key] !== undefined)
      expectString(customData[key], [...path, key], issues, { nonEmpty: true });
  }
  if (customData.pageType !== undefined)
    expectEnum(customData.pageType, PAGE_TYPES, [...path, 'pageType'], issues);
  if (customData.itemIds !== undefined) expectStringArray(customData.itemIds, [...path, 'itemIds'], issues);
  if (customData.items !== undefined && expectArray(customData.items, [...path, 'items'], issues)) {
    customData.items.forEach((item, i) => {
      const itemPath = [...path, 'items', i];
      if (!expectObject(item, itemPath, issues)) return;
      expectKnownKeys(item, new Set(['id', 'quantity', 'price', 'name']), itemPath, issues);
      if (present(item, 'id', itemPath, issues))
        expectString(item.id, [...itemPath, 'id'], issues, { nonEmpty: true });
      if (item.quantity !== undefined) expectInteger(item.quantity, [...itemPath, 'quantity'], issues);
      if (item.price !== undefined) expectNumber(item.price, [...itemPath, 'price'], issues);
      if (item.name !== undefined) expectString(item.name, [...itemPath, 'name'], issues);
    });
  }
}

/**
 * One entry of `details` in Microsoft's wording: `'eventTime' must not be empty.`, `'em' must be a valid
 * SHA256 string.`; other checks keep the fake's words after the property name.
 */
function detail(issue: Issue, index?: number): Json {
  const name = String(issue.path[issue.path.length - 1] ?? 'request');
  const errorMessage =
    issue.code === 'required'
      ? `'${name}' must not be empty.`
      : issue.code === 'not_hashed'
        ? `'${name}' must be a valid SHA256 string.`
        : `'${name}' ${issue.message}.`;
  const propertyName = jsPath(issue.path);
  return index === undefined ? { propertyName, errorMessage } : { index, propertyName, errorMessage };
}

function validationError(details: Json[]): PlatformReply {
  return {
    status: 400,
    body: { error: { code: 'ValidationError', message: 'One or more validation errors occurred.', details } },
  };
}

function unauthorized(): PlatformReply {
  return msError(401, 'Unauthorized', 'The access token is invalid or does not belong to this UET tag.');
}

function msError(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): PlatformReply {
  const reply: PlatformReply = { status, body: { error: { code, message } } };
  if (headers !== undefined) reply.headers = headers;
  return reply;
}

function renderFailure(failure: RenderableFailure): PlatformReply {
  switch (failure.kind) {
    case 'status':
      return failure.body !== undefined
        ? { status: failure.status, body: failure.body }
        : msError(failure.status, 'InternalServerError', 'An internal server error occurred. Please retry.');
    case 'rateLimit':
      return msError(429, 'TooManyRequests', 'Too many requests. Please retry later.', {
        'retry-after': String(failure.retryAfterSeconds),
      });
    case 'throttle':
      return msError(429, 'TooManyRequests', 'Too many requests. Please retry later.');
    case 'badToken':
      return unauthorized();
  }
}
