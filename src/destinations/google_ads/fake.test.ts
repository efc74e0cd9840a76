import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  EMAIL_HASH,
  IP,
  NOW_MS,
  NOW_S,
  pick,
  post,
  repeat,
  sha256,
  text,
  UA,
} from '../fakes/test-helpers.js';
import { DEV_OAUTH_CLIENT, type FakeGoogleAds, startFakeGoogleAds } from './fake.js';

const SCOPE = 'https://www.googleapis.com/auth/datamanager';
const SA_EMAIL = 'tagbridge@shop-ads.iam.gserviceaccount.com';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function assertion(claims: Record<string, unknown>, key = privateKey, alg = 'RS256'): string {
  const signed = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), key).toString('base64url')}`;
}

function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    destinationReferences: ['Purchase'],
    transactionId: 'ORD-1001',
    eventTimestamp: '2026-11-22T11:58:00Z',
    eventSource: 'WEB',
    conversionValue: 59.8,
    currency: 'EUR',
    adIdentifiers: { gclid: 'Cj0KCQiA-1' },
    eventDeviceInfo: { userAgent: UA, ipAddress: IP },
    userData: {
      userIdentifiers: [
        { emailAddress: EMAIL_HASH },
        { phoneNumber: sha256('+16505551212') },
        {
          address: {
            givenName: sha256('jane'),
            familyName: sha256('doe'),
            regionCode: 'US',
            postalCode: '94043',
          },
        },
      ],
    },
    cartData: { items: [{ itemId: 'SKU-1', merchantProductId: 'SKU-1', quantity: '2', unitPrice: 27.45 }] },
    consent: { adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_DENIED' },
    ...overrides,
  };
}

const DESTINATION = {
  reference: 'Purchase',
  operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' },
  productDestinationId: '987654321',
};

function body(events: unknown[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { destinations: [DESTINATION], encoding: 'HEX', validateOnly: false, events, ...overrides };
}

describe('fake Google (Data Manager events:ingest and the OAuth token endpoint)', () => {
  let google: FakeGoogleAds;
  let now = NOW_MS;
  const tokenUrl = (): string => `${google.url}/token`;
  const ingestUrl = (): string => `${google.url}/v1/events:ingest`;

  async function token(form: Record<string, string>): Promise<{ status: number; body: unknown }> {
    const res = await fetch(tokenUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  }
  const refreshGrant = (overrides: Record<string, string> = {}) =>
    token({
      grant_type: 'refresh_token',
      client_id: DEV_OAUTH_CLIENT.clientId,
      client_secret: DEV_OAUTH_CLIENT.clientSecret,
      refresh_token: DEV_OAUTH_CLIENT.refreshToken,
      ...overrides,
    });
  async function bearer(): Promise<{ headers: Record<string, string> }> {
    const answer = await refreshGrant();
    return { headers: { authorization: `Bearer ${String(pick(answer.body, 'access_token'))}` } };
  }
  const violations = (res: { body: unknown }): string =>
    text(pick(res.body, 'error.details.0.fieldViolations') ?? res.body);

  before(async () => {
    google = await startFakeGoogleAds({
      now: () => now,
      tokenTtlSeconds: 600,
      knownIds: ['1234567890'],
      serviceAccounts: [
        { clientEmail: SA_EMAIL, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      ],
    });
  });
  after(() => google.close());
  beforeEach(() => {
    google.reset();
    now = NOW_MS;
  });

  it('refresh_token grant: a Bearer token that expires; wrong client, secret or revoked refresh token refused', async () => {
    const ok = await refreshGrant();
    assert.equal(ok.status, 200);
    assert.equal(pick(ok.body, 'token_type'), 'Bearer');
    assert.equal(pick(ok.body, 'expires_in'), 600);
    assert.match(String(pick(ok.body, 'access_token')), /^ya29\./);
    assert.deepEqual((await refreshGrant({ client_secret: 'nope' })).body, {
      error: 'invalid_client',
      error_description: 'The OAuth client was not found.',
    });
    assert.equal((await refreshGrant({ client_id: 'other' })).status, 401);
    const wrong = await refreshGrant({ refresh_token: 'other' });
    assert.equal(wrong.status, 400);
    assert.equal(pick(wrong.body, 'error'), 'invalid_grant');
    google.registerOAuthClient({ clientId: 'c2', clientSecret: 's2', refreshToken: 'r2' });
    const c2 = { client_id: 'c2', client_secret: 's2', refresh_token: 'r2' };
    assert.equal((await refreshGrant(c2)).status, 200);
    google.revokeRefreshToken('r2');
    assert.equal(pick((await refreshGrant(c2)).body, 'error'), 'invalid_grant');
  });

  it('the token endpoint wants a form and a known grant type', async () => {
    const json = await post(tokenUrl(), { grant_type: 'refresh_token' });
    assert.equal(pick(json.body, 'error'), 'invalid_request');
    assert.equal(pick((await token({ grant_type: 'password' })).body, 'error'), 'unsupported_grant_type');
  });

  it('jwt-bearer grant: a signed assertion of a registered account, for this audience and scope, within an hour', async () => {
    const claims = { iss: SA_EMAIL, scope: SCOPE, aud: tokenUrl(), iat: NOW_S, exp: NOW_S + 3600 };
    const grant = (value: string) =>
      token({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: value });
    const issuedBefore = google.tokensIssued;
    assert.equal((await grant(assertion(claims))).status, 200);
    const refusals: Array<[string, RegExp]> = [
      [assertion(claims, other.privateKey), /Invalid JWT Signature/],
      [assertion({ ...claims, iss: 'stranger@x.iam.gserviceaccount.com' }), /account not found/],
      [assertion({ ...claims, aud: 'https://oauth2.googleapis.com/token' }), /audience/],
      [assertion({ ...claims, scope: 'https://www.googleapis.com/auth/adwords' }), /scope/],
      [assertion({ ...claims, exp: NOW_S + 3601 }), /short-lived/],
      [assertion({ ...claims, iat: NOW_S - 7200, exp: NOW_S - 3600 }), /short-lived/],
      [assertion(claims, privateKey, 'HS256'), /RS256/],
      ['not.a.jwt', /not a signed JWT/],
    ];
    for (const [value, pattern] of refusals) {
      const res = await grant(value);
      assert.equal(res.status, 400, String(pattern));
      assert.equal(pick(res.body, 'error'), 'invalid_grant');
      assert.match(String(pick(res.body, 'error_description')), pattern);
    }
    assert.equal(google.tokensIssued, issuedBefore + 1);
  });

  it('accepts the documented example: 200 {requestId}, events recorded', async () => {
    const res = await post(ingestUrl(), body([event()]), await bearer());
    assert.equal(res.status, 200, text(res.body));
    assert.match(String(pick(res.body, 'requestId')), /^[0-9a-f-]{36}$/);
    assert.equal(google.accepted.length, 1);
    assert.equal(google.received.at(-1)?.testMode, false);
  });

  it('validateOnly: validates, records nothing, answers without a request id', async () => {
    const res = await post(ingestUrl(), body([event()], { validateOnly: true }), await bearer());
    assert.deepEqual(res.body, {});
    assert.equal(google.accepted.length, 0);
    assert.equal(google.received.at(-1)?.testMode, true);
  });

  it('401 UNAUTHENTICATED without a token, with one it never issued, an expired or a revoked one', async () => {
    const auth = await bearer();
    for (const init of [{}, { headers: { authorization: 'Bearer ya29.made-up' } }]) {
      const res = await post(ingestUrl(), body([event()]), init);
      assert.equal(res.status, 401);
      assert.equal(pick(res.body, 'error.status'), 'UNAUTHENTICATED');
    }
    now += 601_000;
    assert.equal((await post(ingestUrl(), body([event()]), auth)).status, 401, 'expired');
    now = NOW_MS;
    assert.equal((await post(ingestUrl(), body([event()]), auth)).status, 200);
    google.revokeAccessTokens();
    assert.equal((await post(ingestUrl(), body([event()]), auth)).status, 401, 'revoked');
  });

  it('403 PERMISSION_DENIED for an operating account the credentials cannot reach', async () => {
    const destination = {
      ...DESTINATION,
      operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '9999999999' },
    };
    const res = await post(ingestUrl(), body([event()], { destinations: [destination] }), await bearer());
    assert.equal(res.status, 403);
    assert.equal(pick(res.body, 'error.status'), 'PERMISSION_DENIED');
  });

  it('fast fail: one bad record makes the whole request 400 INVALID_ARGUMENT, with its field path', async () => {
    const events = [event(), event(), event(), event({ foo: 1 })];
    const res = await post(ingestUrl(), body(events), await bearer());
    assert.equal(res.status, 400);
    assert.equal(pick(res.body, 'error.status'), 'INVALID_ARGUMENT');
    assert.deepEqual(pick(res.body, 'error.details.0.fieldViolations'), [
      { field: 'events[3].foo', description: 'Unknown field.' },
    ]);
    assert.equal(google.accepted.length, 0);
  });

  it('every rule refuses: destinations, accounts, timestamps, hashes, identifiers, address, cart, consent, references', async () => {
    const auth = await bearer();
    const address = {
      givenName: sha256('jane'),
      familyName: sha256('doe'),
      regionCode: 'US',
      postalCode: '94043',
    };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [body([event()], { destinations: [] }), /destinations.*at least 1/],
      [
        body([event()], { destinations: repeat(11, (i) => ({ ...DESTINATION, reference: `r${i}` })) }),
        /at most 10/,
      ],
      [
        body([event()], {
          destinations: [
            { ...DESTINATION, operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '123-456-7890' } },
          ],
        }),
        /destinations\[0\]\.operatingAccount\.accountId.*10 digits/,
      ],
      [
        body([event()], {
          destinations: [{ ...DESTINATION, operatingAccount: { accountType: 'ADWORDS', accountId: '1' } }],
        }),
        /accountType/,
      ],
      [
        body([event()], {
          destinations: [{ ...DESTINATION, productDestinationId: 'customers/1/conversionActions/2' }],
        }),
        /productDestinationId.*numeric/,
      ],
      [body([]), /events.*at least 1/],
      [body([event({ eventTimestamp: 1764511331 })]), /events\[0\]\.eventTimestamp/],
      [body([event({ eventTimestamp: '2026-11-30 14:02:11' })]), /RFC 3339/],
      [body([event({ eventTimestamp: undefined })]), /events\[0\]\.eventTimestamp.*Required/],
      [body([event()], { encoding: undefined }), /"field":"encoding"/],
      [body([event()], { encoding: 'UTF8' }), /encoding/],
      [
        body([event({ userData: { userIdentifiers: [{ emailAddress: 'jane@example.com' }] } })]),
        /emailAddress.*64 hex/,
      ],
      [
        body([
          event({ userData: { userIdentifiers: [{ emailAddress: EMAIL_HASH, phoneNumber: EMAIL_HASH }] } }),
        ]),
        /exactly one of emailAddress, phoneNumber, address/,
      ],
      [
        body([event({ userData: { userIdentifiers: repeat(11, () => ({ emailAddress: EMAIL_HASH })) } })]),
        /userIdentifiers.*at most 10/,
      ],
      [
        body([
          event({ userData: { userIdentifiers: [{ address: { ...address, postalCode: undefined } }] } }),
        ]),
        /address\.postalCode.*Required/,
      ],
      [
        body([event({ userData: { userIdentifiers: [{ address: { ...address, regionCode: 'USA' } }] } })]),
        /regionCode.*alpha-2/,
      ],
      [
        body([event({ userData: { userIdentifiers: [{ address: { ...address, givenName: 'jane' } }] } })]),
        /givenName.*hash/,
      ],
      [
        body([event({ cartData: { items: [{ itemId: 'A', quantity: 2 }] } })]),
        /quantity.*integer as a string/,
      ],
      [body([event({ consent: { adUserData: 'GRANTED' } })]), /adUserData.*CONSENT_GRANTED/],
      [
        body([event({ destinationReferences: ['Lead'] })]),
        /destinationReferences\[0\].*Names no destination/,
      ],
      [body([event({ adIdentifiers: { gclid: sha256('click') } })]), /gclid.*unhashed/],
      [body([event({ eventDeviceInfo: { ipAddress: '10.0' } })]), /ipAddress.*valid IPv4/],
      [body([event({ currency: 'eur' })]), /currency.*ISO 4217/],
      [body([event({ clientId: '123.456' })]), /only for Google Analytics/],
      [body([event()], { validate_only: true }), /"field":"validate_only","description":"Unknown field."/],
    ];
    for (const [request, pattern] of cases) {
      const res = await post(ingestUrl(), request, auth);
      assert.equal(res.status, 400, `${String(pattern)}: ${text(res.body)}`);
      assert.equal(pick(res.body, 'error.status'), 'INVALID_ARGUMENT');
      assert.match(violations(res), pattern);
    }
    assert.equal(google.accepted.length, 0);
  });

  it('up to 2,000 events per request', async () => {
    const auth = await bearer();
    const full = await post(ingestUrl(), body(repeat(2000, () => event())), auth);
    assert.equal(full.status, 200);
    const big = await post(ingestUrl(), body(repeat(2001, () => event())), auth);
    assert.match(violations(big), /at most 2000/);
  });

  it('renders injected failures in Google’s error shape', async () => {
    const auth = await bearer();
    google.enqueue(
      { kind: 'rateLimit', retryAfterSeconds: 20 },
      { kind: 'status', status: 503 },
      { kind: 'badToken' },
    );
    const limited = await post(ingestUrl(), body([event()]), auth);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '20');
    assert.equal(pick(limited.body, 'error.status'), 'RESOURCE_EXHAUSTED');
    assert.equal(pick((await post(ingestUrl(), body([event()]), auth)).body, 'error.status'), 'UNAVAILABLE');
    assert.equal(
      pick((await post(ingestUrl(), body([event()]), auth)).body, 'error.status'),
      'UNAUTHENTICATED',
    );
    assert.equal((await post(ingestUrl(), body([event()]), auth)).status, 200);
  });
});
