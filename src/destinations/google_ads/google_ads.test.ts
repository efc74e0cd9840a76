import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { CONSENT_GRANTED, type HttpRequest, type OutboundEvent } from '../contract.js';
import { consentedUserData } from '../shared/consent.js';
import { h, manyEvents, outboundEvent, response, richPurchase } from '../testing/fixtures.js';
import type { GoogleAdsConfig } from './config.js';
import { DATA_MANAGER_SCOPE, JWT_BEARER_GRANT } from './credentials.js';
import { googleAds } from './index.js';

const env = { baseUrl: 'https://datamanager.googleapis.com', accessToken: 'ya29.token' };
const config: GoogleAdsConfig = {
  customerId: '1234567890',
  conversionActionId: '987654321',
  conversionActions: { Lead: '555' },
  clientId: 'client.apps.googleusercontent.com',
  clientSecret: 'client-secret',
  refreshToken: 'refresh-token',
};

type Body = { destinations: unknown[]; events: Array<Record<string, unknown>> } & Record<string, unknown>;

function build(
  events: OutboundEvent[],
  cfg: GoogleAdsConfig = config,
  buildEnv: typeof env | { baseUrl: string; forceTestMode?: boolean; accessToken?: string } = env,
) {
  return googleAds.build(events, cfg, buildEnv);
}

function onlyEvent(event: OutboundEvent, cfg: GoogleAdsConfig = config): Record<string, unknown> {
  const result = build([event], cfg);
  assert.deepEqual(result.skipped, []);
  const body = result.requests[0]?.body as unknown as Body;
  assert.equal(body.events.length, 1);
  return body.events[0] as Record<string, unknown>;
}

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const KEY_FILE = JSON.stringify({
  type: 'service_account',
  project_id: 'shop-ads',
  private_key_id: 'key-1',
  private_key: PRIVATE_PEM,
  client_email: 'tagbridge@shop-ads.iam.gserviceaccount.com',
  token_uri: 'https://oauth2.googleapis.com/token',
});

describe('google_ads build', () => {
  it('a Purchase, request for request: destinations, HEX, consent, identifiers, cart, click id', () => {
    const purchase = outboundEvent({
      ref: 'dlv_ord',
      eventName: 'Purchase',
      eventId: 'evt-9',
      eventTime: 1795183331,
      userData: {
        email: 'Cloudy.SanFrancisco+shopping@gmail.com',
        phone: '(800) 555-0100',
        firstName: 'Jane',
        lastName: 'Doe',
        zip: '94043',
        country: 'US',
        gclid: 'Cj0KCQiA-1',
        ipAddress: '203.0.113.7',
        userAgent: 'Mozilla/5.0 …',
      },
      customData: {
        value: 59.8,
        currency: 'eur',
        orderId: 'ORD-1001',
        contents: [{ id: 'SKU-1', quantity: 2, price: 27.45 }],
      },
    });
    assert.deepEqual(
      build([purchase], { ...config, loginCustomerId: '1112223333', quotaProjectId: 'shop-ads' }),
      {
        skipped: [],
        requests: [
          {
            method: 'POST',
            url: 'https://datamanager.googleapis.com/v1/events:ingest',
            headers: {
              'content-type': 'application/json',
              authorization: 'Bearer ya29.token',
              'x-goog-user-project': 'shop-ads',
            },
            refs: ['dlv_ord'],
            body: {
              destinations: [
                {
                  reference: 'Purchase',
                  operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' },
                  loginAccount: { accountType: 'GOOGLE_ADS', accountId: '1112223333' },
                  productDestinationId: '987654321',
                },
              ],
              encoding: 'HEX',
              validateOnly: false,
              events: [
                {
                  destinationReferences: ['Purchase'],
                  transactionId: 'ORD-1001',
                  eventTimestamp: '2026-11-20T14:02:11Z',
                  eventSource: 'WEB',
                  conversionValue: 59.8,
                  currency: 'EUR',
                  adIdentifiers: { gclid: 'Cj0KCQiA-1' },
                  eventDeviceInfo: { userAgent: 'Mozilla/5.0 …', ipAddress: '203.0.113.7' },
                  userData: {
                    userIdentifiers: [
                      // Google's gmail rule: dots and the +suffix go (reference §2.1).
                      { emailAddress: h('cloudysanfrancisco@gmail.com') },
                      { phoneNumber: h('+18005550100') },
                      {
                        address: {
                          givenName: h('jane'),
                          familyName: h('doe'),
                          regionCode: 'US',
                          postalCode: '94043',
                        },
                      },
                    ],
                  },
                  cartData: {
                    items: [{ itemId: 'SKU-1', merchantProductId: 'SKU-1', quantity: '2', unitPrice: 27.45 }],
                  },
                  consent: { adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_GRANTED' },
                },
              ],
            },
          },
        ],
      },
    );
  });

  it('other domains keep dots and +tags; the address goes only with all four of its fields', () => {
    const event = onlyEvent(
      outboundEvent({
        eventName: 'Lead',
        userData: { email: 'User.Name+NYC@Example.com', firstName: 'Jane', lastName: 'Doe', country: 'US' },
      }),
    );
    assert.deepEqual(event.userData, { userIdentifiers: [{ emailAddress: h('user.name+nyc@example.com') }] });
    assert.equal(event.transactionId, 'evt-1', 'not a Purchase: the event id');
    assert.deepEqual(event.destinationReferences, ['Lead']);
  });

  it('no IP for shoppers in the EEA, the UK or Switzerland: their own country, else the shop’s', () => {
    const ip = (userData: Record<string, string>, defaultCountry = 'US') =>
      (
        onlyEvent(
          outboundEvent({
            eventName: 'Purchase',
            defaultCountry,
            userData: { gclid: 'g', ipAddress: '203.0.113.7', ...userData },
          }),
        ).eventDeviceInfo as Record<string, unknown> | undefined
      )?.ipAddress;
    assert.equal(ip({ country: 'US' }), '203.0.113.7');
    assert.equal(ip({ country: 'Germany' }), undefined);
    assert.equal(ip({ country: 'GB' }), undefined);
    assert.equal(ip({ country: 'CH' }), undefined);
    assert.equal(ip({}, 'FR'), undefined, 'unknown shopper of a French shop');
    assert.equal(ip({}, 'CA'), '203.0.113.7');
    assert.equal(ip({ country: 'US' }, 'DE'), '203.0.113.7', 'the shopper’s own country wins');
  });

  it('skips with a reason: no conversion action, nothing to match on, a browser-built event', () => {
    const result = build([
      outboundEvent({ ref: 'page', eventName: 'PageVisit', userData: { gclid: 'g' } }),
      outboundEvent({ ref: 'cart', eventName: 'AddToCart', userData: { gclid: 'g' } }),
      outboundEvent({
        ref: 'anon',
        eventName: 'Purchase',
        userData: { ipAddress: '203.0.113.7', userAgent: 'UA' },
      }),
      outboundEvent({ ref: 'pmw', eventName: 'Purchase', passthrough: { event: 'purchase' } }),
      outboundEvent({ ref: 'ok', eventName: 'Purchase', userData: { wbraid: 'w-1' } }),
    ]);
    assert.deepEqual(result.skipped, [
      { ref: 'page', reason: 'no conversion action configured for PageVisit' },
      { ref: 'cart', reason: 'no conversion action configured for AddToCart' },
      { ref: 'anon', reason: 'cannot match: no click id and no user identifiers' },
      {
        ref: 'pmw',
        reason: 'no browser-built (Pixel Manager) event is known for Google Ads; send the event itself',
      },
    ]);
    const body = result.requests[0]?.body as unknown as Body;
    assert.deepEqual(body.events[0]?.adIdentifiers, { wbraid: 'w-1' });
    assert.equal(body.encoding, undefined, 'no userData, no encoding');
    assert.equal(body.events[0]?.userData, undefined);
  });

  it('consent: ad user data refused is not sent; device storage refused drops the click id only', () => {
    const withClick = { ...richPurchase, userData: { ...richPurchase.userData, gclid: 'g-1' } };
    assert.deepEqual(
      build([{ ...withClick, consent: { ...withClick.consent, adUserData: false, source: 'event' } }])
        .skipped,
      [{ ref: 'dlv_purchase', reason: 'consent' }],
    );
    // As the worker opens it: without device-storage consent the click id is gone, the rest is sent.
    const noStorage = { ...CONSENT_GRANTED, adStorage: false, source: 'event' } as const;
    const event = onlyEvent({
      ...withClick,
      consent: noStorage,
      userData: consentedUserData(withClick.userData, noStorage),
    });
    assert.equal(event.adIdentifiers, undefined);
    assert.equal((event.userData as { userIdentifiers: unknown[] }).userIdentifiers.length, 3);
  });

  it('one destination per conversion action the batch names; events in order', () => {
    const events = [
      outboundEvent({ ref: 'a', eventName: 'Lead', userData: { gclid: 'g' } }),
      outboundEvent({ ref: 'b', eventName: 'Purchase', userData: { gclid: 'g' } }),
      outboundEvent({ ref: 'c', eventName: 'Lead', userData: { gclid: 'g' } }),
    ];
    const body = build(events).requests[0]?.body as unknown as Body;
    assert.deepEqual(
      body.destinations.map(
        (d) => (d as { reference: string; productDestinationId: string }).productDestinationId,
      ),
      ['555', '987654321'],
    );
    assert.deepEqual(
      body.events.map((e) => e.destinationReferences),
      [['Lead'], ['Purchase'], ['Lead']],
    );
  });

  it('test mode: validateOnly; up to 2,000 events per request; no token, no Authorization header', () => {
    const test = build([richPurchase], { ...config, testMode: true }).requests[0]?.body as unknown as Body;
    assert.equal(test.validateOnly, true);
    assert.equal(googleAds.isTestMode({ ...config, testMode: true }), true);
    const events = manyEvents(4500).map((e) => ({
      ...e,
      eventName: 'Purchase' as const,
      userData: { gclid: 'g' },
    }));
    const { requests } = build(events, config, { baseUrl: 'http://127.0.0.1:9/' });
    assert.deepEqual(
      requests.map((r) => r.refs.length),
      [2000, 2000, 500],
    );
    assert.equal(requests[0]?.url, 'http://127.0.0.1:9/v1/events:ingest');
    assert.equal(requests[0]?.headers.authorization, undefined);
  });
});

describe('google_ads classify', () => {
  const live: HttpRequest = {
    method: 'POST',
    url: 'https://x/v1/events:ingest',
    headers: {},
    body: { validateOnly: false },
    refs: ['a', 'b'],
  };
  const googleError = (code: number, status: string, message: string, violations?: unknown[]) => ({
    error: {
      code,
      message,
      status,
      ...(violations
        ? { details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations }] }
        : {}),
    },
  });

  it('200 {requestId} → delivered with the request id; validateOnly says it was only validated', () => {
    assert.deepEqual(googleAds.classify(response(200, { requestId: 'req-42' }), live), {
      kind: 'delivered',
      message: 'request req-42',
    });
    assert.deepEqual(googleAds.classify(response(200, {}), { ...live, body: { validateOnly: true } }), {
      kind: 'delivered',
      message: 'validated only (validateOnly): Google found no error and recorded nothing',
    });
  });

  it('400 INVALID_ARGUMENT → rejected (not the credentials: the worker bisects), with the field violations', () => {
    const verdict = googleAds.classify(
      response(
        400,
        googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', [
          { field: 'events[1].eventTimestamp', description: 'Invalid timestamp.' },
          { field: 'events[1].userData.userIdentifiers[0].emailAddress', description: 'Not a hash.' },
        ]),
      ),
      live,
    );
    assert.deepEqual(verdict, {
      kind: 'rejected',
      credentials: false,
      message:
        'INVALID_ARGUMENT: Request contains an invalid argument. (events[1].eventTimestamp: Invalid timestamp.; events[1].userData.userIdentifiers[0].emailAddress: Not a hash.)',
    });
  });

  it('401 UNAUTHENTICATED and 403 PERMISSION_DENIED → the credentials; 429 throttles; 5xx and deadlines retry', () => {
    assert.deepEqual(
      googleAds.classify(
        response(403, googleError(403, 'PERMISSION_DENIED', 'The caller does not have permission')),
        live,
      ),
      {
        kind: 'rejected',
        credentials: true,
        message: 'PERMISSION_DENIED: The caller does not have permission',
      },
    );
    assert.equal(
      (
        googleAds.classify(
          response(401, googleError(401, 'UNAUTHENTICATED', 'Invalid credentials.')),
          live,
        ) as { credentials?: boolean }
      ).credentials,
      true,
    );
    assert.deepEqual(
      googleAds.classify(
        response(429, googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.'), { 'retry-after': '30' }),
        live,
      ),
      { kind: 'throttled', message: 'RESOURCE_EXHAUSTED: Quota exceeded.', retryAfterMs: 30000 },
    );
    assert.deepEqual(
      googleAds.classify(response(504, googleError(504, 'DEADLINE_EXCEEDED', 'Deadline expired.')), live),
      {
        kind: 'retry',
        message: 'DEADLINE_EXCEEDED: Deadline expired.',
      },
    );
    assert.equal(googleAds.classify(response(503, '<html>down</html>'), live).kind, 'retry');
  });
});

describe('google_ads config', () => {
  it('accepts an OAuth client, normalizes customer ids written with hyphens', () => {
    assert.deepEqual(
      googleAds.parseConfig({ ...config, customerId: '123-456-7890', loginCustomerId: '111-222-3333' }),
      { ok: true, config: { ...config, customerId: '1234567890', loginCustomerId: '1112223333' } },
    );
  });

  it('accepts a service account key file as pasted (multi-line JSON)', () => {
    const { clientId: _a, clientSecret: _b, refreshToken: _c, ...rest } = config;
    const parsed = googleAds.parseConfig({
      ...rest,
      serviceAccountKey: JSON.stringify(JSON.parse(KEY_FILE), null, 2),
    });
    assert.equal(parsed.ok, true, JSON.stringify(parsed));
  });

  it('exactly one kind of credentials, a usable key, ten-digit ids: clear errors that never quote a secret', () => {
    const { clientId: _a, clientSecret: _b, refreshToken: _c, ...bare } = config;
    const errors = (raw: Record<string, unknown>): string => {
      const parsed = googleAds.parseConfig(raw);
      assert.equal(parsed.ok, false, JSON.stringify(raw));
      return parsed.ok ? '' : parsed.errors.join('\n');
    };
    assert.match(
      errors(bare),
      /an OAuth client \(clientId, clientSecret, refreshToken\) or a service account key/,
    );
    assert.match(errors({ ...config, serviceAccountKey: KEY_FILE }), /not both/);
    assert.match(errors({ ...bare, clientId: 'c' }), /go together \(missing clientSecret, refreshToken\)/);
    assert.match(errors({ ...bare, serviceAccountKey: 'not json' }), /serviceAccountKey: not JSON/);
    assert.match(errors({ ...bare, serviceAccountKey: '{"client_email":"a@b"}' }), /private_key is missing/);
    const broken = errors({
      ...bare,
      serviceAccountKey: JSON.stringify({ client_email: 'a@b', private_key: 'secret-junk' }),
    });
    assert.match(broken, /not a readable PEM private key/);
    assert.equal(broken.includes('secret-junk'), false);
    assert.match(errors({ ...config, customerId: '12345' }), /customerId/);
    assert.match(errors({ ...config, conversionActions: { PageVisit: '1' } }), /conversionActions/);
  });
});

describe('google_ads access tokens', () => {
  const flow = googleAds.accessToken!;
  const form = (request: HttpRequest) => request.body as Record<string, string>;

  it('OAuth client: the refresh_token grant, form-encoded', () => {
    const request = flow.request(config, 'https://oauth2.googleapis.com/token', 1_800_000_000);
    assert.deepEqual(request, {
      method: 'POST',
      url: 'https://oauth2.googleapis.com/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      encoding: 'form',
      refs: [],
      body: {
        grant_type: 'refresh_token',
        client_id: 'client.apps.googleusercontent.com',
        client_secret: 'client-secret',
        refresh_token: 'refresh-token',
      },
    });
  });

  it('service account: an RS256 assertion with iss, scope, aud = the token URL, iat and exp an hour later', () => {
    const { clientId: _a, clientSecret: _b, refreshToken: _c, ...rest } = config;
    const request = flow.request(
      { ...rest, serviceAccountKey: KEY_FILE },
      'http://127.0.0.1:9/token',
      1_800_000_000,
    );
    assert.equal(form(request).grant_type, JWT_BEARER_GRANT);
    const [header = '', claims = '', signature = ''] = (form(request).assertion ?? '').split('.');
    const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    assert.deepEqual(decode(header), { alg: 'RS256', typ: 'JWT', kid: 'key-1' });
    assert.deepEqual(decode(claims), {
      iss: 'tagbridge@shop-ads.iam.gserviceaccount.com',
      scope: DATA_MANAGER_SCOPE,
      aud: 'http://127.0.0.1:9/token',
      iat: 1_800_000_000,
      exp: 1_800_003_600,
    });
    assert.ok(
      verify('sha256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, 'base64url')),
    );
  });

  it('the credential key changes with the credentials and holds none of them', () => {
    const key = flow.credentialKey(config);
    assert.match(key, /^[0-9a-f]{32}$/);
    assert.notEqual(flow.credentialKey({ ...config, refreshToken: 'other' }), key);
  });

  it('reads Google’s answers: a token, a refusal of the credentials, a failure to retry', () => {
    assert.deepEqual(
      flow.parse(response(200, { access_token: 'ya29.a', expires_in: 3599, token_type: 'Bearer' })),
      {
        kind: 'token',
        accessToken: 'ya29.a',
        expiresInSeconds: 3599,
      },
    );
    assert.deepEqual(
      flow.parse(
        response(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }),
      ),
      {
        kind: 'rejected',
        message: 'Google refused the credentials: invalid_grant: Token has been expired or revoked.',
      },
    );
    assert.equal(flow.parse(response(401, { error: 'invalid_client' })).kind, 'rejected');
    assert.deepEqual(flow.parse(response(503, 'unavailable', { 'retry-after': '5' })), {
      kind: 'retry',
      message: 'Google token endpoint: HTTP 503: unavailable',
      retryAfterMs: 5000,
    });
    assert.equal(flow.parse(response(200, {})).kind, 'retry');
  });
});
