/**
 * Google Ads end to end: /v1/events → the real worker → the fake Google (its token endpoint and Data
 * Manager's events:ingest). The service and the fake share a manual clock, so token expiry is crossed by
 * moving time, and the worker's pacing (2 requests a second per destination) by advancing it a second.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  DEV_OAUTH_CLIENT,
  type FakeGoogleAds,
  startFakeGoogleAds,
} from '../src/destinations/google_ads/fake.js';
import {
  createTenant,
  eventually,
  ManualClock,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from './harness.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const SA_EMAIL = 'tagbridge-e2e@shop-ads.iam.gserviceaccount.com';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const ACCOUNT = {
  customerId: '123-456-7890',
  conversionActionId: '987654321',
  conversionActions: { Lead: '987654322' },
};
const OAUTH = {
  ...ACCOUNT,
  clientId: DEV_OAUTH_CLIENT.clientId,
  clientSecret: DEV_OAUTH_CLIENT.clientSecret,
  refreshToken: DEV_OAUTH_CLIENT.refreshToken,
};
const SERVICE_ACCOUNT = {
  ...ACCOUNT,
  serviceAccountKey: JSON.stringify({
    type: 'service_account',
    project_id: 'shop-ads',
    private_key_id: 'e2e-key',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: SA_EMAIL,
  }),
};

describe('google_ads end to end: /v1/events → worker → fake Google (token endpoint and events:ingest)', () => {
  const clock = new ManualClock(Date.now());
  let google: FakeGoogleAds;
  let service: TestService;

  before(async () => {
    google = await startFakeGoogleAds({
      now: () => clock.now(),
      serviceAccounts: [
        { clientEmail: SA_EMAIL, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      ],
    });
    service = await startTestService({
      clock,
      env: {
        GOOGLE_DATA_MANAGER_URL: google.url,
        GOOGLE_OAUTH_TOKEN_URL: `${google.url}/token`,
        PROXY_RATE_LIMIT_PER_MINUTE: '0',
      },
    });
  });
  after(async () => {
    await service.destroy();
    await google.close();
  });

  const send = async (tenant: Tenant, events: Array<Record<string, unknown>>): Promise<void> => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events },
    });
    assert.equal(res.statusCode, 200, res.body);
  };
  const delivery = async (eventId: string) =>
    service.storage.db
      .selectFrom('deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_pk')
      .select(['d.status', 'd.last_error', 'd.last_status_code', 'd.attempts'])
      .where('e.event_id', '=', eventId)
      .executeTakeFirstOrThrow();
  const settled = (eventId: string) =>
    eventually(async () => {
      const row = await delivery(eventId);
      return row.status === 'pending' ? undefined : row;
    });
  const destinationRow = (tenant: Tenant) =>
    service.storage.db
      .selectFrom('destinations')
      .select(['status', 'last_error'])
      .where('id', '=', tenant.destinations.google_ads!)
      .executeTakeFirstOrThrow();
  const tokenRequests = () => google.received.filter((r) => r.path === '/token');
  const ingests = () => google.received.filter((r) => r.path === '/v1/events:ingest');

  test('OAuth client: a Purchase delivered with Google’s request id on its outcome; the token reused until it expires', async () => {
    google.reset();
    const tenant = await createTenant(service, { destinations: { google_ads: OAUTH } });
    await send(tenant, [
      purchaseEvent({
        eventId: 'gads-1',
        userData: { ...(purchaseEvent().userData as object), gclid: 'Cj0KCQiA-e2e' },
      }),
    ]);
    const first = await settled('gads-1');
    assert.equal(first.status, 'delivered', first.last_error ?? '');
    const requestId = (ingests()[0]!.response.body as { requestId: string }).requestId;
    assert.equal(first.last_error, `request ${requestId}`);

    const accepted = google.accepted[0] as Record<string, unknown>;
    assert.deepEqual(accepted.destinationReferences, ['Purchase']);
    assert.equal(accepted.transactionId, 'T-12345');
    assert.deepEqual(accepted.adIdentifiers, { gclid: 'Cj0KCQiA-e2e' });
    assert.deepEqual((accepted.userData as { userIdentifiers: unknown[] }).userIdentifiers[0], {
      emailAddress: sha('jane.doe@example.com'),
    });
    const body = ingests()[0]?.body as { destinations: Array<{ operatingAccount: { accountId: string } }> };
    assert.equal(body.destinations[0]?.operatingAccount.accountId, '1234567890');
    assert.equal(tokenRequests().length, 1);
    assert.match(String(tokenRequests()[0]?.body), /^grant_type=refresh_token&client_id=/, 'a form');

    // The next batch, a second later: the same token.
    clock.advance(1000);
    await send(tenant, [purchaseEvent({ eventId: 'gads-2' })]);
    assert.equal((await settled('gads-2')).status, 'delivered');
    assert.equal(tokenRequests().length, 1);
    assert.equal(ingests()[1]?.headers.authorization, ingests()[0]?.headers.authorization);

    // An hour later the token (3,599 s) has expired: a new one is fetched before it is used.
    clock.advance(3600_000);
    await send(tenant, [purchaseEvent({ eventId: 'gads-3' })]);
    assert.equal((await settled('gads-3')).status, 'delivered');
    assert.equal(tokenRequests().length, 2);
    assert.notEqual(ingests()[2]?.headers.authorization, ingests()[0]?.headers.authorization);
    assert.ok(ingests().every((r) => r.response.status === 200));
  });

  test('a service account: the jwt-bearer grant, then delivery', async () => {
    google.reset();
    clock.advance(1000);
    const tenant = await createTenant(service, { destinations: { google_ads: SERVICE_ACCOUNT } });
    await send(tenant, [purchaseEvent({ eventId: 'gads-sa' })]);
    const row = await settled('gads-sa');
    assert.equal(row.status, 'delivered', row.last_error ?? '');
    assert.equal(tokenRequests().length, 1);
    assert.equal(tokenRequests()[0]?.response.status, 200);
    assert.match(
      String(tokenRequests()[0]?.body),
      /grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer/,
    );
  });

  test('one bad record fails the whole request: bisection isolates it, Google’s message on that event only', async () => {
    google.reset();
    clock.advance(1000);
    const tenant = await createTenant(service, { destinations: { google_ads: OAUTH } });
    const user = purchaseEvent().userData as object;
    await send(tenant, [
      purchaseEvent({ eventId: 'bis-1', customData: { orderId: 'B-1', value: 1, currency: 'USD' } }),
      purchaseEvent({ eventId: 'bis-2', customData: { orderId: 'B-2', value: 2, currency: 'USD' } }),
      // A shop that hashed the click id: Google wants it as it came.
      purchaseEvent({
        eventId: 'bis-3',
        userData: { ...user, gclid: sha('Cj0KCQiA-click') },
        customData: { orderId: 'B-3' },
      }),
      purchaseEvent({ eventId: 'bis-4', customData: { orderId: 'B-4', value: 4, currency: 'USD' } }),
    ]);
    const rows = await Promise.all(['bis-1', 'bis-2', 'bis-3', 'bis-4'].map(settled));
    assert.deepEqual(
      rows.map((r) => r.status),
      ['delivered', 'delivered', 'failed', 'delivered'],
    );
    assert.match(
      rows[2]?.last_error ?? '',
      /^INVALID_ARGUMENT: .*events\[0\]\.adIdentifiers\.gclid: Must be sent unhashed/,
    );
    for (const row of [rows[0], rows[1], rows[3]]) assert.match(row?.last_error ?? '', /^request /);
    assert.equal(ingests()[0]?.response.status, 400, 'the whole batch first');
    assert.deepEqual(google.accepted.map((e) => e.transactionId).sort(), ['B-1', 'B-2', 'B-4']);
    assert.equal((await destinationRow(tenant)).status, 'active');
  });

  test('a revoked access token: one refresh, the request sent again, delivered', async () => {
    google.reset();
    clock.advance(1000);
    const tenant = await createTenant(service, { destinations: { google_ads: OAUTH } });
    await send(tenant, [purchaseEvent({ eventId: 'gads-warm' })]);
    assert.equal((await settled('gads-warm')).status, 'delivered');
    google.revokeAccessTokens();
    clock.advance(1000);
    await send(tenant, [purchaseEvent({ eventId: 'gads-revoked' })]);
    const row = await settled('gads-revoked');
    assert.equal(row.status, 'delivered', row.last_error ?? '');
    assert.deepEqual(
      ingests().map((r) => r.response.status),
      [200, 401, 200],
    );
    assert.equal(tokenRequests().length, 2);
  });

  test('invalid_grant: the destination is held with what Google said, on the outcome too', async () => {
    google.reset();
    clock.advance(1000);
    google.registerOAuthClient({
      clientId: 'revoked.apps',
      clientSecret: 's',
      refreshToken: 'revoked-refresh',
    });
    google.revokeRefreshToken('revoked-refresh');
    const tenant = await createTenant(service, {
      destinations: {
        google_ads: {
          ...ACCOUNT,
          clientId: 'revoked.apps',
          clientSecret: 's',
          refreshToken: 'revoked-refresh',
        },
      },
    });
    await send(tenant, [purchaseEvent({ eventId: 'gads-revoked-grant' })]);
    // Refused credentials: the event waits behind the held destination, its attempt recorded.
    const row = await eventually(async () => {
      const d = await delivery('gads-revoked-grant');
      return d.attempts === 1 ? d : undefined;
    });
    const expected = 'Google refused the credentials: invalid_grant: Token has been expired or revoked.';
    assert.equal(row.status, 'pending');
    assert.equal(row.last_error, expected);
    assert.equal(row.last_status_code, 400);
    const destination = await eventually(async () => {
      const d = await destinationRow(tenant);
      return d.status === 'needs_attention' ? d : undefined;
    });
    assert.equal(destination.last_error, expected);
    assert.equal(ingests().length, 0, 'nothing reached the API');
  });

  test('send test event: validateOnly, through the same token path', async () => {
    google.reset();
    clock.advance(1000);
    const tenant = await createTenant(service, { destinations: { google_ads: OAUTH } });
    const { checkDestinations } = await import('../src/management/domains/destination-check.js');
    const rows = await service.storage.db
      .selectFrom('destinations')
      .selectAll()
      .where('id', '=', tenant.destinations.google_ads!)
      .execute();
    const checks = await checkDestinations(
      { config: service.config, sealer: service.sealer, db: service.storage.db, now: clock.now() },
      tenant.domain,
      rows,
    );
    // The synthetic page view is no conversion: a test purchase goes instead, with validateOnly.
    assert.deepEqual(checks.get(tenant.destinations.google_ads!), {
      ok: true,
      statusCode: 200,
      error: null,
      credentialsRejected: false,
    });
    assert.equal(ingests().length, 1);
    assert.equal((ingests()[0]!.body as { validateOnly: boolean }).validateOnly, true);
    assert.equal(ingests()[0]?.testMode, true);
    assert.equal(google.accepted.length, 0, 'validateOnly records nothing');
  });
});
