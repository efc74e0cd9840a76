/**
 * Fake Google: the Data Manager API's `POST /v1/events:ingest` and Google's OAuth 2.0 token endpoint
 * (`POST /token`) on one origin (reference destinations-2.md §2.1; Data Manager's REST reference; Google's
 * "OAuth 2.0 for server to server applications").
 *
 * The token endpoint takes both grants: `refresh_token` (the client id, secret and refresh token must be
 * one registered with the fake; by default the dev client of `tagbridge dev`), and the service-account
 * `urn:ietf:params:oauth:grant-type:jwt-bearer` (an RS256 assertion verified against the public key of a
 * registered service account, `iss` that account, `aud` this token URL, `scope` including datamanager,
 * `exp - iat` at most an hour, not expired). It answers `{access_token, expires_in, token_type}` or an OAuth
 * error `{error, error_description}`, and issues tokens that expire (`tokenTtlSeconds`, on `now`).
 *
 * `events:ingest` wants one of those tokens (401 UNAUTHENTICATED otherwise, in Google's error shape) and
 * validates strictly: field names, destinations (1–10, GOOGLE_ADS accounts of ten digits, numeric
 * conversion action ids), 1–2,000 events, RFC 3339 timestamps, `encoding` whenever user data is sent,
 * 64-hex hashes, ≤10 identifiers of exactly one kind each, complete addresses, integer-string quantities,
 * consent enums, references that name a destination. It fails fast, as Google does: any bad record makes the
 * whole request a 400 INVALID_ARGUMENT listing `BadRequest.fieldViolations`, and nothing is taken.
 * `validateOnly` takes nothing and answers `{}` (no request id, UNCONFIRMED); otherwise `{requestId}`.
 * `validTokens` does not apply (the tokens are those it issued); `knownIds`, when set, are the operating
 * accounts the credentials may reach (403 PERMISSION_DENIED for another).
 */
import { createPublicKey, randomUUID, verify } from 'node:crypto';
import {
  expectArray,
  expectBoolean,
  expectEnum,
  expectIp,
  expectKnownKeys,
  expectNumber,
  expectObject,
  expectPlain,
  expectString,
  expectStringArray,
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
} from '../fakes/server.js';

export interface FakeOAuthClient {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface FakeServiceAccount {
  clientEmail: string;
  /** PEM (SPKI) public key of the account's private key. */
  publicKey: string;
}

export interface FakeGoogleAdsOptions extends FakeOptions {
  /** OAuth clients the refresh-token grant accepts (default: the dev client, DEV_OAUTH_CLIENT). */
  oauthClients?: FakeOAuthClient[];
  /** Service accounts the jwt-bearer grant accepts. */
  serviceAccounts?: FakeServiceAccount[];
  /** Lifetime of issued access tokens, in seconds (default 3599, as Google's). */
  tokenTtlSeconds?: number;
}

export interface FakeGoogleAds extends FakePlatform {
  registerOAuthClient(client: FakeOAuthClient): void;
  registerServiceAccount(account: FakeServiceAccount): void;
  /** The refresh token no longer works (invalid_grant), as when a user revokes access. */
  revokeRefreshToken(refreshToken: string): void;
  /** Every access token issued so far stops working (401), as when Google revokes them early. */
  revokeAccessTokens(): void;
  /** Access tokens issued (successful token requests). */
  readonly tokensIssued: number;
}

/** The client `tagbridge dev`'s sample config uses. */
export const DEV_OAUTH_CLIENT: FakeOAuthClient = {
  clientId: 'tagbridge-dev.apps.googleusercontent.com',
  clientSecret: 'google-dev-client-secret',
  refreshToken: 'google-dev-refresh-token',
};

export const TOKEN_PATH = '/token';
const INGEST_PATH = '/v1/events:ingest';
const SCOPE = 'https://www.googleapis.com/auth/datamanager';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_ASSERTION_LIFETIME_S = 3600;
/** Clock skew Google tolerates on `iat` (it says "a reasonable timeframe"): five minutes here. */
const SKEW_S = 300;

const MAX_DESTINATIONS = 10;
const MAX_EVENTS = 2000;
const MAX_IDENTIFIERS = 10;

const ACCOUNT_TYPES = [
  'GOOGLE_ADS',
  'DISPLAY_VIDEO_PARTNER',
  'DISPLAY_VIDEO_ADVERTISER',
  'DATA_PARTNER',
  'GOOGLE_ANALYTICS_PROPERTY',
  'GOOGLE_AD_MANAGER_AUDIENCE_LINK',
] as const;
const CONSENT_STATUSES = ['CONSENT_GRANTED', 'CONSENT_DENIED', 'CONSENT_STATUS_UNSPECIFIED'] as const;
const EVENT_SOURCES = ['EVENT_SOURCE_UNSPECIFIED', 'WEB', 'APP', 'IN_STORE', 'PHONE', 'OTHER'] as const;

const BODY_KEYS = new Set([
  'destinations',
  'events',
  'consent',
  'validateOnly',
  'encoding',
  'encryptionInfo',
]);
const DESTINATION_KEYS = new Set([
  'operatingAccount',
  'loginAccount',
  'linkedAccount',
  'productDestinationId',
  'reference',
]);
const ACCOUNT_KEYS = new Set(['accountType', 'accountId']);
const EVENT_KEYS = new Set([
  'destinationReferences',
  'transactionId',
  'eventTimestamp',
  'lastUpdatedTimestamp',
  'userData',
  'consent',
  'adIdentifiers',
  'currency',
  'conversionValue',
  'eventSource',
  'eventDeviceInfo',
  'cartData',
  'customVariables',
  'experimentalFields',
  'userProperties',
]);
/** Event fields only Google Analytics destinations read. */
const GA4_ONLY_KEYS = new Set(['clientId', 'userId', 'eventName', 'additionalEventParameters']);
const AD_IDENTIFIER_KEYS = new Set([
  'sessionAttributes',
  'gclid',
  'gbraid',
  'wbraid',
  'landingPageDeviceInfo',
]);
const DEVICE_KEYS = new Set(['userAgent', 'ipAddress']);
const CONSENT_KEYS = new Set(['adUserData', 'adPersonalization']);
const IDENTIFIER_KINDS = ['emailAddress', 'phoneNumber', 'address'] as const;
const ADDRESS_KEYS = ['givenName', 'familyName', 'regionCode', 'postalCode'] as const;
const CART_KEYS = new Set([
  'merchantId',
  'merchantFeedLabel',
  'merchantFeedLanguageCode',
  'transactionDiscount',
  'items',
]);
const ITEM_KEYS = new Set([
  'merchantProductId',
  'quantity',
  'unitPrice',
  'itemId',
  'additionalItemParameters',
]);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const HEX_HASH = /^[0-9a-fA-F]{64}$/;
const BASE64_HASH = /^[A-Za-z0-9+/]{43}=$/;

interface IssuedToken {
  expiresAtMs: number;
  generation: number;
}

export async function startFakeGoogleAds(options: FakeGoogleAdsOptions = {}): Promise<FakeGoogleAds> {
  const now = options.now ?? Date.now;
  const clients = [...(options.oauthClients ?? [DEV_OAUTH_CLIENT])];
  const accounts = new Map((options.serviceAccounts ?? []).map((a) => [a.clientEmail, a.publicKey]));
  const revoked = new Set<string>();
  const tokens = new Map<string, IssuedToken>();
  const ttl = options.tokenTtlSeconds ?? 3599;
  let generation = 0;
  let issued = 0;
  let origin = '';

  const issue = (): PlatformReply => {
    const token = `ya29.fake-${randomUUID()}`;
    tokens.set(token, { expiresAtMs: now() + ttl * 1000, generation });
    issued += 1;
    return {
      status: 200,
      body: { access_token: token, expires_in: ttl, scope: SCOPE, token_type: 'Bearer' },
    };
  };

  const tokenEndpoint = (request: FakeRequest): PlatformReply => {
    if (request.contentType !== 'application/x-www-form-urlencoded') {
      return oauthError(400, 'invalid_request', 'The request must be application/x-www-form-urlencoded.');
    }
    const form = new URLSearchParams(request.rawBody);
    const grant = form.get('grant_type');
    if (grant === 'refresh_token') {
      const client = clients.find((c) => c.clientId === form.get('client_id'));
      if (client === undefined || client.clientSecret !== form.get('client_secret')) {
        return oauthError(401, 'invalid_client', 'The OAuth client was not found.');
      }
      const refreshToken = form.get('refresh_token') ?? '';
      if (refreshToken !== client.refreshToken || revoked.has(refreshToken)) {
        return oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
      }
      return issue();
    }
    if (grant === JWT_BEARER) {
      const problem = assertionProblem(
        form.get('assertion') ?? '',
        accounts,
        `${origin}${TOKEN_PATH}`,
        now(),
      );
      return problem === undefined ? issue() : oauthError(400, 'invalid_grant', problem);
    }
    return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grant ?? ''}`);
  };

  const authenticated = (request: FakeRequest): PlatformReply | undefined => {
    const token = bearerToken(request.headers);
    if (token === undefined) {
      return googleError(
        401,
        'UNAUTHENTICATED',
        'Request is missing required authentication credential. Expected OAuth 2 access token.',
      );
    }
    const known = tokens.get(token);
    if (known === undefined || known.generation !== generation || known.expiresAtMs <= now()) {
      return googleError(
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    }
    return undefined;
  };

  const fake = await startFakeServer(
    {
      name: 'google_ads',
      isTestMode: (request) => isRecord(request.json) && request.json.validateOnly === true,
      handle(request) {
        if (request.method !== 'POST') return googleError(405, 'INVALID_ARGUMENT', 'Use POST.');
        if (request.path === TOKEN_PATH) return tokenEndpoint(request);
        if (request.path !== INGEST_PATH) {
          return googleError(
            404,
            'NOT_FOUND',
            `The requested URL ${request.path} was not found on this server.`,
          );
        }
        return authenticated(request) ?? ingest(request, options);
      },
      renderFailure,
    },
    options,
  );
  origin = fake.url;
  return {
    ...fake,
    registerOAuthClient(client: FakeOAuthClient): void {
      clients.push(client);
    },
    registerServiceAccount(account: FakeServiceAccount): void {
      accounts.set(account.clientEmail, account.publicKey);
    },
    revokeRefreshToken(refreshToken: string): void {
      revoked.add(refreshToken);
    },
    revokeAccessTokens(): void {
      generation += 1;
    },
    get tokensIssued(): number {
      return issued;
    },
  };
}

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Why Google would refuse a jwt-bearer assertion (its own words where known), or undefined. */
function assertionProblem(
  assertion: string,
  accounts: ReadonlyMap<string, string>,
  tokenUrl: string,
  nowMs: number,
): string | undefined {
  const parts = assertion.split('.');
  const [headerPart = '', claimsPart = '', signature = ''] = parts;
  const header = decodePart(headerPart);
  const claims = decodePart(claimsPart);
  if (parts.length !== 3 || header === undefined || claims === undefined)
    return 'Invalid JWT: not a signed JWT.';
  if (header.alg !== 'RS256') return 'Invalid JWT: the algorithm must be RS256.';
  const publicKey = typeof claims.iss === 'string' ? accounts.get(claims.iss) : undefined;
  if (publicKey === undefined) return 'Invalid grant: account not found';
  const signed = verify(
    'sha256',
    Buffer.from(`${headerPart}.${claimsPart}`),
    createPublicKey(publicKey),
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) return 'Invalid JWT Signature.';
  if (claims.aud !== tokenUrl) return `Invalid JWT: the audience must be ${tokenUrl}.`;
  if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes(SCOPE)) {
    return `Invalid JWT: the scope must include ${SCOPE}.`;
  }
  const { iat, exp } = claims;
  const nowS = nowMs / 1000;
  if (
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    exp - iat > MAX_ASSERTION_LIFETIME_S ||
    exp <= iat ||
    iat > nowS + SKEW_S ||
    exp <= nowS
  ) {
    return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';
  }
  return undefined;
}

function ingest(request: FakeRequest, options: FakeOptions): PlatformReply {
  if (request.contentType !== 'application/json') {
    return googleError(
      400,
      'INVALID_ARGUMENT',
      `Content-Type must be application/json, got '${request.contentType}'.`,
    );
  }
  if (request.jsonError !== undefined) return googleError(400, 'INVALID_ARGUMENT', request.jsonError);
  const body = request.json;
  if (!isRecord(body)) return googleError(400, 'INVALID_ARGUMENT', 'The request body must be a JSON object.');

  const issues = new Issues();
  expectKnownKeys(body, BODY_KEYS, [], issues);
  const references = checkDestinations(body, issues);
  if (body.validateOnly !== undefined) expectBoolean(body.validateOnly, ['validateOnly'], issues);
  if (body.consent !== undefined) checkConsent(body.consent, ['consent'], issues);
  let encoding: string | undefined;
  if (body.encoding !== undefined && expectEnum(body.encoding, ['HEX', 'BASE64'], ['encoding'], issues)) {
    encoding = body.encoding;
  }
  if (
    present(body, 'events', [], issues) &&
    expectArray(body.events, ['events'], issues, { min: 1, max: MAX_EVENTS })
  ) {
    if (
      encoding === undefined &&
      body.encoding === undefined &&
      body.events.some((e) => isRecord(e) && e.userData !== undefined)
    ) {
      issues.add(['encoding'], 'required', 'is required when events carry userData');
    }
    body.events.forEach((event, i) => {
      checkEvent(event, ['events', i], references, encoding ?? 'HEX', issues);
    });
  }
  if (!issues.empty) return invalidArgument(issues.list);

  const accounts = (body.destinations as Array<{ operatingAccount: { accountId: string } }>).map(
    (d) => d.operatingAccount.accountId,
  );
  const unknown = accounts.find((id) => !idIsKnown(id, options));
  if (unknown !== undefined)
    return googleError(403, 'PERMISSION_DENIED', 'The caller does not have permission');

  if (body.validateOnly === true) return { status: 200, body: {} };
  return {
    status: 200,
    body: { requestId: randomUUID() },
    accepted: body.events as Record<string, unknown>[],
  };
}

/** `destinations[]`; the references they declare (each event must name one of them). */
function checkDestinations(body: Record<string, unknown>, issues: Issues): Set<string> {
  const references = new Set<string>();
  if (
    !present(body, 'destinations', [], issues) ||
    !expectArray(body.destinations, ['destinations'], issues, { min: 1, max: MAX_DESTINATIONS })
  ) {
    return references;
  }
  body.destinations.forEach((destination, i) => {
    const path = ['destinations', i];
    if (!expectObject(destination, path, issues)) return;
    expectKnownKeys(destination, DESTINATION_KEYS, path, issues);
    if (present(destination, 'operatingAccount', path, issues)) {
      checkAccount(destination.operatingAccount, [...path, 'operatingAccount'], issues);
    }
    for (const key of ['loginAccount', 'linkedAccount']) {
      if (destination[key] !== undefined) checkAccount(destination[key], [...path, key], issues);
    }
    if (
      present(destination, 'productDestinationId', path, issues) &&
      expectString(destination.productDestinationId, [...path, 'productDestinationId'], issues) &&
      !/^\d+$/.test(destination.productDestinationId)
    ) {
      issues.add(
        [...path, 'productDestinationId'],
        'invalid',
        'must be the numeric conversion action id, not its resource name',
      );
    }
    if (
      destination.reference !== undefined &&
      expectString(destination.reference, [...path, 'reference'], issues)
    ) {
      if (references.has(destination.reference)) {
        issues.add([...path, 'reference'], 'invalid', 'must be unique within the request');
      }
      references.add(destination.reference);
    }
  });
  return references;
}

function checkAccount(account: unknown, path: Path, issues: Issues): void {
  if (!expectObject(account, path, issues)) return;
  expectKnownKeys(account, ACCOUNT_KEYS, path, issues);
  const ads =
    present(account, 'accountType', path, issues) &&
    expectEnum(account.accountType, ACCOUNT_TYPES, [...path, 'accountType'], issues) &&
    account.accountType === 'GOOGLE_ADS';
  if (
    present(account, 'accountId', path, issues) &&
    expectString(account.accountId, [...path, 'accountId'], issues)
  ) {
    if (ads && !/^\d{10}$/.test(account.accountId)) {
      issues.add(
        [...path, 'accountId'],
        'invalid',
        'must be a Google Ads customer id: 10 digits, no hyphens',
      );
    }
  }
}

function checkConsent(consent: unknown, path: Path, issues: Issues): void {
  if (!expectObject(consent, path, issues)) return;
  expectKnownKeys(consent, CONSENT_KEYS, path, issues);
  for (const key of CONSENT_KEYS) {
    if (consent[key] !== undefined) expectEnum(consent[key], CONSENT_STATUSES, [...path, key], issues);
  }
}

function checkEvent(
  event: unknown,
  path: Path,
  references: ReadonlySet<string>,
  encoding: string,
  issues: Issues,
): void {
  if (!expectObject(event, path, issues)) return;
  for (const key of Object.keys(event)) {
    if (GA4_ONLY_KEYS.has(key)) {
      issues.add([...path, key], 'invalid', 'is only for Google Analytics destinations');
    } else if (!EVENT_KEYS.has(key)) {
      issues.add([...path, key], 'unknown_key', 'is not a known field');
    }
  }
  if (present(event, 'eventTimestamp', path, issues))
    checkTimestamp(event.eventTimestamp, [...path, 'eventTimestamp'], issues);
  if (event.lastUpdatedTimestamp !== undefined) {
    checkTimestamp(event.lastUpdatedTimestamp, [...path, 'lastUpdatedTimestamp'], issues);
  }
  if (
    event.destinationReferences !== undefined &&
    expectStringArray(event.destinationReferences, [...path, 'destinationReferences'], issues)
  ) {
    event.destinationReferences.forEach((reference, i) => {
      if (!references.has(reference)) {
        issues.add(
          [...path, 'destinationReferences', i],
          'invalid',
          `names no destination of the request ('${reference}')`,
        );
      }
    });
  }
  if (event.transactionId !== undefined)
    expectString(event.transactionId, [...path, 'transactionId'], issues, { nonEmpty: true });
  if (event.eventSource !== undefined)
    expectEnum(event.eventSource, EVENT_SOURCES, [...path, 'eventSource'], issues);
  if (event.conversionValue !== undefined)
    expectNumber(event.conversionValue, [...path, 'conversionValue'], issues);
  if (
    event.currency !== undefined &&
    expectString(event.currency, [...path, 'currency'], issues) &&
    !ISO_CURRENCY.test(event.currency)
  ) {
    issues.add([...path, 'currency'], 'invalid', 'must be an ISO 4217 currency code');
  }
  if (event.consent !== undefined) checkConsent(event.consent, [...path, 'consent'], issues);
  if (event.adIdentifiers !== undefined)
    checkAdIdentifiers(event.adIdentifiers, [...path, 'adIdentifiers'], issues);
  if (event.eventDeviceInfo !== undefined)
    checkDevice(event.eventDeviceInfo, [...path, 'eventDeviceInfo'], issues);
  if (event.userData !== undefined) checkUserData(event.userData, [...path, 'userData'], encoding, issues);
  if (event.cartData !== undefined) checkCart(event.cartData, [...path, 'cartData'], issues);
}

function checkTimestamp(value: unknown, path: Path, issues: Issues): void {
  if (!expectString(value, path, issues)) return;
  if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
    issues.add(path, 'invalid', `must be an RFC 3339 timestamp (2026-11-30T14:02:11Z); got '${value}'`);
  }
}

function checkAdIdentifiers(value: unknown, path: Path, issues: Issues): void {
  if (!expectObject(value, path, issues)) return;
  expectKnownKeys(value, AD_IDENTIFIER_KEYS, path, issues);
  for (const key of ['gclid', 'gbraid', 'wbraid', 'sessionAttributes']) {
    if (value[key] !== undefined) expectPlain(value[key], [...path, key], issues);
  }
  if (value.landingPageDeviceInfo !== undefined)
    checkDevice(value.landingPageDeviceInfo, [...path, 'landingPageDeviceInfo'], issues);
}

function checkDevice(value: unknown, path: Path, issues: Issues): void {
  if (!expectObject(value, path, issues)) return;
  expectKnownKeys(value, DEVICE_KEYS, path, issues);
  if (value.userAgent !== undefined)
    expectString(value.userAgent, [...path, 'userAgent'], issues, { nonEmpty: true });
  if (value.ipAddress !== undefined) expectIp(value.ipAddress, [...path, 'ipAddress'], issues);
}

function checkHash(value: unknown, path: Path, encoding: string, issues: Issues): void {
  if (!expectString(value, path, issues)) return;
  const ok = encoding === 'BASE64' ? BASE64_HASH.test(value) : HEX_HASH.test(value);
  if (!ok) {
    issues.add(
      path,
      'not_hashed',
      encoding === 'BASE64'
        ? 'must be a SHA-256 hash, Base64-encoded (encoding BASE64)'
        : 'must be a SHA-256 hash, 64 hex characters (encoding HEX)',
    );
  }
}

function checkUserData(value: unknown, path: Path, encoding: string, issues: Issues): void {
  if (!expectObject(value, path, issues)) return;
  expectKnownKeys(value, new Set(['userIdentifiers']), path, issues);
  if (
    !present(value, 'userIdentifiers', path, issues) ||
    !expectArray(value.userIdentifiers, [...path, 'userIdentifiers'], issues, {
      min: 1,
      max: MAX_IDENTIFIERS,
    })
  ) {
    return;
  }
  value.userIdentifiers.forEach((identifier, i) => {
    const at = [...path, 'userIdentifiers', i];
    if (!expectObject(identifier, at, issues)) return;
    expectKnownKeys(identifier, new Set(IDENTIFIER_KINDS), at, issues);
    const kinds = IDENTIFIER_KINDS.filter((kind) => identifier[kind] !== undefined);
    if (kinds.length !== 1) {
      issues.add(
        at,
        'identifiers',
        `must set exactly one of emailAddress, phoneNumber, address; got ${kinds.length}`,
      );
      return;
    }
    if (identifier.emailAddress !== undefined)
      checkHash(identifier.emailAddress, [...at, 'emailAddress'], encoding, issues);
    if (identifier.phoneNumber !== undefined)
      checkHash(identifier.phoneNumber, [...at, 'phoneNumber'], encoding, issues);
    if (identifier.address !== undefined)
      checkAddress(identifier.address, [...at, 'address'], encoding, issues);
  });
}

function checkAddress(value: unknown, path: Path, encoding: string, issues: Issues): void {
  if (!expectObject(value, path, issues)) return;
  expectKnownKeys(value, new Set(ADDRESS_KEYS), path, issues);
  // All four are required when an address is sent.
  for (const key of ADDRESS_KEYS) present(value, key, path, issues);
  for (const key of ['givenName', 'familyName'] as const) {
    if (value[key] !== undefined) checkHash(value[key], [...path, key], encoding, issues);
  }
  if (
    value.regionCode !== undefined &&
    expectString(value.regionCode, [...path, 'regionCode'], issues) &&
    !/^[A-Z]{2}$/.test(value.regionCode)
  ) {
    issues.add([...path, 'regionCode'], 'invalid', 'must be an ISO 3166-1 alpha-2 code, unhashed');
  }
  if (value.postalCode !== undefined) expectPlain(value.postalCode, [...path, 'postalCode'], issues);
}

function checkCart(value: unknown, path: Path, issues: Issues): void {
  if (!expectObject(value, path, issues)) return;
  expectKnownKeys(value, CART_KEYS, path, issues);
  if (value.transactionDiscount !== undefined)
    expectNumber(value.transactionDiscount, [...path, 'transactionDiscount'], issues);
  if (value.items === undefined || !expectArray(value.items, [...path, 'items'], issues)) return;
  value.items.forEach((item, i) => {
    const at = [...path, 'items', i];
    if (!expectObject(item, at, issues)) return;
    expectKnownKeys(item, ITEM_KEYS, at, issues);
    for (const key of ['merchantProductId', 'itemId']) {
      if (item[key] !== undefined) expectString(item[key], [...at, key], issues, { nonEmpty: true });
    }
    // int64 in JSON: a string of digits.
    if (item.quantity !== undefined && (typeof item.quantity !== 'string' || !/^\d+$/.test(item.quantity))) {
      issues.add([...at, 'quantity'], 'invalid', 'must be an integer as a string (int64)');
    }
    if (item.unitPrice !== undefined) expectNumber(item.unitPrice, [...at, 'unitPrice'], issues);
  });
}

const DESCRIPTIONS: Partial<Record<Issue['code'], string>> = {
  unknown_key: 'Unknown field.',
  required: 'Required field is missing.',
};

/** 400 INVALID_ARGUMENT with one `fieldViolation` per issue, as Google's error model carries them. */
function invalidArgument(list: readonly Issue[]): PlatformReply {
  const fieldViolations: Json[] = list.map((issue) => ({
    field: jsPath(issue.path),
    description:
      DESCRIPTIONS[issue.code] ?? `${issue.message.charAt(0).toUpperCase()}${issue.message.slice(1)}.`,
  }));
  return googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations },
  ]);
}

function googleError(
  code: number,
  status: string,
  message: string,
  details?: Json[],
  headers?: Record<string, string>,
): PlatformReply {
  const reply: PlatformReply = {
    status: code,
    body: { error: { code, message, status, ...(details === undefined ? {} : { details }) } },
  };
  if (headers !== undefined) reply.headers = headers;
  return reply;
}

function oauthError(status: number, error: string, description: string): PlatformReply {
  return { status, body: { error, error_description: description } };
}

function renderFailure(failure: RenderableFailure): PlatformReply {
  switch (failure.kind) {
    case 'status':
      if (failure.body !== undefined) return { status: failure.status, body: failure.body };
      return failure.status === 504
        ? googleError(504, 'DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.')
        : failure.status === 500
          ? googleError(500, 'INTERNAL', 'Internal error encountered.')
          : googleError(failure.status, 'UNAVAILABLE', 'The service is currently unavailable.');
    case 'rateLimit':
      return googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric.', undefined, {
        'retry-after': String(failure.retryAfterSeconds),
      });
    case 'throttle':
      return googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric.');
    case 'badToken':
      return googleError(
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
  }
}
