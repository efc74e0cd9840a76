/**
 * Fake Google Analytics 4 Measurement Protocol (reference destinations-2.md §1):
 * `POST /mp/collect?measurement_id=G-…&api_secret=…` and its validation twin `POST /debug/mp/collect`.
 *
 * As on the real service, `/mp/collect` answers 204 to anything it receives. What GA4 would not use (an
 * unknown measurement id, a wrong or missing api secret, a malformed payload, events outside the 72-hour
 * window) is dropped without a word: it is missing from `accepted`, and the request's `note` says why. A
 * malformed event drops that event; a malformed request (client id, user data, size, event count) drops
 * them all.
 *
 * `/debug/mp/collect` checks the same payload and answers 200 `{validationMessages: [{fieldPath,
 * description, validationCode}]}`, empty when valid. Like Google's validator it does not check the api
 * secret, and it reports recommendations (currency with value, a purchase's transaction id) only under
 * `validation_behavior: "ENFORCE_RECOMMENDATIONS"`.
 */
import { isRecord, isSha256Hex, typeName } from '../fakes/checks.js';
import type { AcceptedEvent, FakeOptions, FakePlatform, Json } from '../fakes/common.js';
import {
  type FakeRequest,
  idIsKnown,
  type PlatformReply,
  type RenderableFailure,
  startFakeServer,
  tokenIsValid,
} from '../fakes/server.js';

export type FakeGa4Options = FakeOptions;

type Code =
  | 'VALUE_INVALID'
  | 'VALUE_REQUIRED'
  | 'NAME_INVALID'
  | 'NAME_RESERVED'
  | 'VALUE_OUT_OF_BOUNDS'
  | 'EXCEEDED_MAX_ENTITIES';

interface Message {
  fieldPath: string;
  description: string;
  validationCode: Code;
  /** Recommendations are reported under ENFORCE_RECOMMENDATIONS only and never drop anything. */
  recommendation?: true;
  /** The event it concerns; none: the whole request. */
  event?: number;
}

const MAX_BODY_BYTES = 130 * 1024;
const MAX_EVENTS = 25;
const MAX_PARAMS = 25;
const MAX_ITEMS = 200;
const MAX_AGE_MS = 72 * 3600 * 1000;
/** Clocks differ; a timestamp a minute ahead is still "now". */
const MAX_FUTURE_MS = 60 * 1000;
const NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
/**
 * Event names the Measurement Protocol refuses (the reference's "Reserved names": automatically collected
 * events). The fake keeps its own copy, from the documentation, so it checks the adapter's list.
 */
const RESERVED_EVENT_NAMES: ReadonlySet<string> = new Set([
  'ad_activeview',
  'ad_click',
  'ad_exposure',
  'ad_impression',
  'ad_query',
  'ad_reward',
  'adunit_exposure',
  'app_background',
  'app_clear_data',
  'app_exception',
  'app_install',
  'app_remove',
  'app_store_refund',
  'app_store_subscription_cancel',
  'app_store_subscription_convert',
  'app_store_subscription_renew',
  'app_update',
  'app_upgrade',
  'dynamic_link_app_open',
  'dynamic_link_app_update',
  'dynamic_link_first_open',
  'error',
  'first_open',
  'first_visit',
  'in_app_purchase',
  'notification_dismiss',
  'notification_foreground',
  'notification_open',
  'notification_receive',
  'os_update',
  'session_start',
  'session_start_with_rollout',
  'user_engagement',
]);

const RESERVED_PREFIXES = ['_', 'firebase_', 'ga_', 'google_', 'gtag.'];
const VALUE_LIMITS: Record<string, number> = { page_location: 1000, page_referrer: 420, page_title: 300 };
const DEFAULT_VALUE_LIMIT = 100;

const BODY_KEYS = new Set([
  'client_id',
  'app_instance_id',
  'user_id',
  'timestamp_micros',
  'user_properties',
  'user_data',
  'consent',
  'non_personalized_ads',
  'user_location',
  'device',
  'ip_override',
  'validation_behavior',
  'events',
]);
const HASHED_ADDRESS_KEYS = ['sha256_first_name', 'sha256_last_name', 'sha256_street'];
const PLAIN_ADDRESS_KEYS = ['city', 'region', 'postal_code', 'country'];
const ITEM_NUMBERS = new Set(['price', 'quantity', 'discount', 'index']);

export function startFakeGa4(options: FakeGa4Options = {}): Promise<FakePlatform> {
  const now = options.now ?? Date.now;
  return startFakeServer(
    {
      name: 'ga4',
      isTestMode: (request) => request.path === '/debug/mp/collect',
      handle: (request) => handle(request, options, now()),
      renderFailure,
    },
    options,
  );
}

function handle(request: FakeRequest, options: FakeOptions, nowMs: number): PlatformReply {
  const debug = request.path === '/debug/mp/collect';
  if (!debug && request.path !== '/mp/collect') {
    return { status: 404, body: { error: { code: 404, message: `Not found: ${request.path}` } } };
  }
  if (request.method !== 'POST') {
    return { status: 405, body: { error: { code: 405, message: 'Method not allowed: use POST' } } };
  }
  const { messages, events } = validate(request, nowMs);
  if (debug) {
    const enforce = isRecord(request.json) && request.json.validation_behavior === 'ENFORCE_RECOMMENDATIONS';
    const shown = messages.filter((m) => enforce || m.recommendation !== true);
    const validationMessages: Json[] = shown.map(({ fieldPath, description, validationCode }) => ({
      fieldPath,
      description,
      validationCode,
    }));
    return { status: 200, body: { validationMessages }, accepted: shown.length === 0 ? events : [] };
  }
  // Production: everything is "received"; what GA4 cannot use is dropped silently.
  const measurementId = request.query.measurement_id ?? '';
  const dropAll =
    !/^G-[A-Z0-9]+$/.test(measurementId) || !idIsKnown(measurementId, options)
      ? `unknown measurement_id '${measurementId}'`
      : !tokenIsValid(request.query.api_secret, options)
        ? 'api_secret missing or not valid for this stream'
        : messages.find((m) => m.recommendation !== true && m.event === undefined)?.description;
  if (dropAll !== undefined) return { status: 204, body: null, accepted: [], note: `dropped: ${dropAll}` };
  const bad = new Set(messages.filter((m) => m.recommendation !== true).map((m) => m.event));
  const kept = events.filter((_, index) => !bad.has(index));
  const dropped = messages.filter((m) => m.recommendation !== true).map((m) => m.description);
  const reply: PlatformReply = { status: 204, body: null, accepted: kept };
  if (dropped.length > 0) reply.note = `dropped events: ${dropped.join('; ')}`;
  return reply;
}

/**
 * Every message about the request, and its events as GA4 would store them: each with its request's
 * client id, user id, user data and consent (GA4 applies those to every event of the request).
 */
function validate(request: FakeRequest, nowMs: number): { messages: Message[]; events: AcceptedEvent[] } {
  const messages: Message[] = [];
  const add = (message: Message): void => {
    messages.push(message);
  };
  const measurementId = request.query.measurement_id;
  if (measurementId === undefined || measurementId === '') {
    add({
      fieldPath: 'measurement_id',
      description: 'measurement_id is required.',
      validationCode: 'VALUE_REQUIRED',
    });
  }
  if (request.contentType !== 'application/json' && request.contentType !== 'text/plain') {
    add({
      fieldPath: '',
      description: `Unsupported Content-Type '${request.contentType}'.`,
      validationCode: 'VALUE_INVALID',
    });
  }
  if (Buffer.byteLength(request.rawBody) >= MAX_BODY_BYTES) {
    add({
      fieldPath: '',
      description: 'The request body must be smaller than 130kB.',
      validationCode: 'VALUE_OUT_OF_BOUNDS',
    });
  }
  const body = request.json;
  if (!isRecord(body)) {
    add({
      fieldPath: '',
      description: request.jsonError ?? 'The request body must be a JSON object.',
      validationCode: 'VALUE_INVALID',
    });
    return { messages, events: [] };
  }
  for (const key of Object.keys(body)) {
    if (!BODY_KEYS.has(key))
      add({ fieldPath: key, description: `Unknown field [${key}].`, validationCode: 'NAME_INVALID' });
  }
  if (typeof body.client_id !== 'string' || body.client_id.trim() === '') {
    add({
      fieldPath: 'client_id',
      description: 'client_id is required for a web stream.',
      validationCode: 'VALUE_REQUIRED',
    });
  }
  if (
    body.user_id !== undefined &&
    (typeof body.user_id !== 'string' || body.user_id === '' || body.user_id.length > 256)
  ) {
    add({
      fieldPath: 'user_id',
      description: 'user_id must be a non-empty string of at most 256 characters.',
      validationCode: 'VALUE_INVALID',
    });
  }
  if (body.timestamp_micros !== undefined)
    checkTimestamp(body.timestamp_micros, 'timestamp_micros', nowMs, add);
  if (body.consent !== undefined) checkConsent(body.consent, add);
  if (body.user_data !== undefined) checkUserData(body.user_data, add);
  if (
    body.validation_behavior !== undefined &&
    !['RELAXED', 'ENFORCE_RECOMMENDATIONS'].includes(String(body.validation_behavior))
  ) {
    add({
      fieldPath: 'validation_behavior',
      description: 'validation_behavior must be RELAXED or ENFORCE_RECOMMENDATIONS.',
      validationCode: 'VALUE_INVALID',
    });
  }
  const events = body.events;
  if (!Array.isArray(events) || events.length === 0) {
    add({
      fieldPath: 'events',
      description: 'At least one event is required.',
      validationCode: 'VALUE_REQUIRED',
    });
    return { messages, events: [] };
  }
  if (events.length > MAX_EVENTS) {
    add({
      fieldPath: 'events',
      description: `A request may carry at most ${MAX_EVENTS} events; got ${events.length}.`,
      validationCode: 'EXCEEDED_MAX_ENTITIES',
    });
  }
  events.forEach((event, index) => {
    checkEvent(event, index, nowMs, (message) => add({ ...message, event: index }));
  });
  const shared = {
    client_id: body.client_id,
    user_id: body.user_id,
    user_data: body.user_data,
    consent: body.consent,
  };
  const stored = events.map((event) => ({
    ...Object.fromEntries(Object.entries(shared).filter(([, value]) => value !== undefined)),
    ...(isRecord(event) ? event : {}),
    ...(isRecord(event) && event.timestamp_micros === undefined && body.timestamp_micros !== undefined
      ? { timestamp_micros: body.timestamp_micros }
      : {}),
  }));
  return { messages, events: stored };
}

type Add = (message: Omit<Message, 'event'>) => void;

function checkTimestamp(value: unknown, fieldPath: string, nowMs: number, add: Add): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1e15) {
    add({
      fieldPath,
      description: `${fieldPath} must be a Unix time in microseconds (16 digits).`,
      validationCode: 'VALUE_INVALID',
    });
    return;
  }
  const ms = value / 1000;
  if (nowMs - ms > MAX_AGE_MS || ms - nowMs > MAX_FUTURE_MS) {
    add({
      fieldPath,
      description: `${fieldPath} must be within the last 72 hours and not in the future.`,
      validationCode: 'VALUE_OUT_OF_BOUNDS',
    });
  }
}

function checkConsent(consent: unknown, add: Add): void {
  if (!isRecord(consent)) {
    add({ fieldPath: 'consent', description: 'consent must be an object.', validationCode: 'VALUE_INVALID' });
    return;
  }
  for (const [key, value] of Object.entries(consent)) {
    if (key !== 'ad_user_data' && key !== 'ad_personalization') {
      add({
        fieldPath: `consent.${key}`,
        description: `Unknown field [${key}].`,
        validationCode: 'NAME_INVALID',
      });
    } else if (value !== 'GRANTED' && value !== 'DENIED') {
      add({
        fieldPath: `consent.${key}`,
        description: `${key} must be GRANTED or DENIED.`,
        validationCode: 'VALUE_INVALID',
      });
    }
  }
}

function hashed(value: unknown, fieldPath: string, add: Add): void {
  if (typeof value === 'string' && isSha256Hex(value)) return;
  add({
    fieldPath,
    description: `${fieldPath} must be a SHA-256 digest in lower-case hex, got ${typeof value === 'string' ? 'an unhashed value' : typeName(value)}.`,
    validationCode: 'VALUE_INVALID',
  });
}

function checkUserData(userData: unknown, add: Add): void {
  if (!isRecord(userData)) {
    add({
      fieldPath: 'user_data',
      description: 'user_data must be an object.',
      validationCode: 'VALUE_INVALID',
    });
    return;
  }
  for (const [key, value] of Object.entries(userData)) {
    const path = `user_data.${key}`;
    if (key === 'sha256_email_address' || key === 'sha256_phone_number') {
      if (!Array.isArray(value)) {
        add({
          fieldPath: path,
          description: `${path} must be an array of hashes.`,
          validationCode: 'VALUE_INVALID',
        });
      } else {
        value.forEach((item, i) => {
          hashed(item, `${path}[${i}]`, add);
        });
      }
    } else if (key === 'address') {
      if (!Array.isArray(value)) {
        add({ fieldPath: path, description: `${path} must be an array.`, validationCode: 'VALUE_INVALID' });
      } else {
        value.forEach((item, i) => {
          checkAddress(item, `${path}[${i}]`, add);
        });
      }
    } else {
      add({ fieldPath: path, description: `Unknown field [${key}].`, validationCode: 'NAME_INVALID' });
    }
  }
}

function checkAddress(address: unknown, path: string, add: Add): void {
  if (!isRecord(address)) {
    add({ fieldPath: path, description: `${path} must be an object.`, validationCode: 'VALUE_INVALID' });
    return;
  }
  for (const [key, value] of Object.entries(address)) {
    const field = `${path}.${key}`;
    if (HASHED_ADDRESS_KEYS.includes(key)) hashed(value, field, add);
    else if (!PLAIN_ADDRESS_KEYS.includes(key)) {
      add({ fieldPath: field, description: `Unknown field [${key}].`, validationCode: 'NAME_INVALID' });
    } else if (typeof value !== 'string' || value === '' || isSha256Hex(value)) {
      add({
        fieldPath: field,
        description: `${field} is sent in clear text, not hashed.`,
        validationCode: 'VALUE_INVALID',
      });
    } else if (key === 'country' && !/^[A-Z]{2}$/.test(value)) {
      add({
        fieldPath: field,
        description: `${field} must be an ISO 3166-1 alpha-2 code.`,
        validationCode: 'VALUE_INVALID',
      });
    } else if (
      (key === 'city' || key === 'region') &&
      (value !== value.toLowerCase() || /[\p{N}\p{P}\p{S}]/u.test(value))
    ) {
      add({
        fieldPath: field,
        description: `${field} must be lower case without digits or symbols.`,
        validationCode: 'VALUE_INVALID',
      });
    }
  }
}

function reserved(name: string): boolean {
  return RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

function checkEvent(event: unknown, index: number, nowMs: number, add: Add): void {
  const path = `events[${index}]`;
  if (!isRecord(event)) {
    add({
      fieldPath: path,
      description: `Event at index: [${index}] must be an object.`,
      validationCode: 'VALUE_INVALID',
    });
    return;
  }
  const name = event.name;
  if (typeof name !== 'string' || name === '') {
    add({
      fieldPath: `${path}.name`,
      description: `Event at index: [${index}] has no name.`,
      validationCode: 'VALUE_REQUIRED',
    });
  } else if (!NAME.test(name)) {
    add({
      fieldPath: `${path}.name`,
      description: `Event at index: [${index}] has invalid name [${name}]. Names must start with an alphabetic character and contain only alphanumeric characters and underscores, at most 40.`,
      validationCode: 'NAME_INVALID',
    });
  } else if (reserved(name) || RESERVED_EVENT_NAMES.has(name)) {
    add({
      fieldPath: `${path}.name`,
      description: `Event at index: [${index}] has reserved name [${name}].`,
      validationCode: 'NAME_RESERVED',
    });
  }
  for (const key of Object.keys(event)) {
    if (key !== 'name' && key !== 'params' && key !== 'timestamp_micros') {
      add({
        fieldPath: `${path}.${key}`,
        description: `Unknown field [${key}].`,
        validationCode: 'NAME_INVALID',
      });
    }
  }
  if (event.timestamp_micros !== undefined)
    checkTimestamp(event.timestamp_micros, `${path}.timestamp_micros`, nowMs, add);
  if (event.params !== undefined) checkParams(event.params, name, `${path}.params`, add);
}

function checkParams(params: unknown, eventName: unknown, path: string, add: Add): void {
  if (!isRecord(params)) {
    add({ fieldPath: path, description: `${path} must be an object.`, validationCode: 'VALUE_INVALID' });
    return;
  }
  const keys = Object.keys(params);
  if (keys.length > MAX_PARAMS) {
    add({
      fieldPath: path,
      description: `An event may carry at most ${MAX_PARAMS} params; got ${keys.length}.`,
      validationCode: 'EXCEEDED_MAX_ENTITIES',
    });
  }
  for (const key of keys) {
    const value = params[key];
    const field = `${path}.${key}`;
    if (!NAME.test(key)) {
      add({
        fieldPath: field,
        description: `Param [${key}] has an invalid name.`,
        validationCode: 'NAME_INVALID',
      });
    } else if (reserved(key)) {
      add({
        fieldPath: field,
        description: `Param [${key}] has a reserved name.`,
        validationCode: 'NAME_RESERVED',
      });
    } else if (key === 'items') {
      checkItems(value, field, add);
    } else if (typeof value === 'string') {
      const limit = VALUE_LIMITS[key] ?? DEFAULT_VALUE_LIMIT;
      if (value.length > limit) {
        add({
          fieldPath: field,
          description: `Param [${key}] is longer than ${limit} characters.`,
          validationCode: 'VALUE_OUT_OF_BOUNDS',
        });
      }
    } else if (typeof value !== 'number' || !Number.isFinite(value)) {
      add({
        fieldPath: field,
        description: `Param [${key}] must be a string or a number, got ${typeName(value)}.`,
        validationCode: 'VALUE_INVALID',
      });
    }
  }
  // Recommendations: revenue needs its currency, a purchase its transaction id.
  if (params.value !== undefined && params.currency === undefined) {
    add({
      fieldPath: `${path}.currency`,
      description: 'currency is required when value is set.',
      validationCode: 'VALUE_REQUIRED',
      recommendation: true,
    });
  }
  if (
    params.currency !== undefined &&
    !(typeof params.currency === 'string' && /^[A-Z]{3}$/.test(params.currency))
  ) {
    add({
      fieldPath: `${path}.currency`,
      description: 'currency must be an ISO 4217 code.',
      validationCode: 'VALUE_INVALID',
      recommendation: true,
    });
  }
  if (
    eventName === 'purchase' &&
    (typeof params.transaction_id !== 'string' || params.transaction_id === '')
  ) {
    add({
      fieldPath: `${path}.transaction_id`,
      description: 'transaction_id is required for purchase.',
      validationCode: 'VALUE_REQUIRED',
      recommendation: true,
    });
  }
}

function checkItems(items: unknown, path: string, add: Add): void {
  if (!Array.isArray(items)) {
    add({ fieldPath: path, description: `${path} must be an array.`, validationCode: 'VALUE_INVALID' });
    return;
  }
  if (items.length > MAX_ITEMS) {
    add({
      fieldPath: path,
      description: `At most ${MAX_ITEMS} items; got ${items.length}.`,
      validationCode: 'EXCEEDED_MAX_ENTITIES',
    });
  }
  items.forEach((item, i) => {
    const field = `${path}[${i}]`;
    if (!isRecord(item)) {
      add({ fieldPath: field, description: `${field} must be an object.`, validationCode: 'VALUE_INVALID' });
      return;
    }
    if (typeof item.item_id !== 'string' && typeof item.item_name !== 'string') {
      add({
        fieldPath: field,
        description: 'Each item needs item_id or item_name.',
        validationCode: 'VALUE_REQUIRED',
      });
    }
    for (const [key, value] of Object.entries(item)) {
      const ok = ITEM_NUMBERS.has(key)
        ? typeof value === 'number' && Number.isFinite(value)
        : typeof value === 'string' && value.length <= DEFAULT_VALUE_LIMIT;
      if (!ok) {
        add({
          fieldPath: `${field}.${key}`,
          description: `Item param [${key}] has an invalid value.`,
          validationCode: 'VALUE_INVALID',
        });
      }
    }
  });
}

/**
 * GA4 documents no error bodies: its endpoints answer 2xx. Injected failures are what any Google front end
 * answers (5xx, 429 with Retry-After); a bad "token" is a wrong api secret, which GA4 never reports.
 */
function renderFailure(failure: RenderableFailure): PlatformReply {
  switch (failure.kind) {
    case 'status':
      return {
        status: failure.status,
        body: failure.body ?? { error: { code: failure.status, message: 'Backend Error' } },
      };
    case 'rateLimit':
      return {
        status: 429,
        body: { error: { code: 429, message: 'Too Many Requests' } },
        headers: { 'retry-after': String(failure.retryAfterSeconds) },
      };
    case 'throttle':
      return { status: 429, body: { error: { code: 429, message: 'Too Many Requests' } } };
    case 'badToken':
      return { status: 204, body: null, accepted: [], note: 'dropped: api_secret not valid for this stream' };
  }
}
