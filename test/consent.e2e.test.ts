/**
 * Consent end to end (issue 9 §3), on both dialects: what the shop says about the shopper's consent reaches
 * every platform as that platform's own mechanism, or keeps the event away from it (skipped, reason
 * `consent`), and the event log shows the decision.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DestinationType } from '../src/destinations/types.js';
import { type FakePlatforms, startFakePlatforms } from '../src/dev/fakes/index.js';
import { tcStringWith } from '../src/ingest/tc-strings.js';
import {
  createSession,
  createTenant,
  eventually,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
} from './harness.js';

const GOOD: Record<string, Record<string, unknown>> = {
  meta: { pixelId: '1234567890', accessToken: 'meta-good-token' },
  tiktok: { pixelCode: 'CABC1234567', accessToken: 'tiktok-good-token' },
  pinterest: { adAccountId: '549755885175', accessToken: 'pinterest-good-token' },
  snapchat: { pixelId: '0a1b2c3d-0000-4000-8000-000000000001', accessToken: 'snap-good-token' },
  reddit: { pixelId: 't2_abc123', accessToken: 'reddit-good-token' },
};
const TYPES = Object.keys(GOOD) as DestinationType[];

type Accepted = Record<string, unknown> & { event_id?: string; user?: Record<string, unknown> };

describe('consent on every event, to every platform', () => {
  let fakes: FakePlatforms;
  let service: TestService;
  let tenant: Tenant;
  let owner: TestSession;

  before(async () => {
    fakes = await startFakePlatforms({ validTokens: TYPES.map((t) => GOOD[t]!.accessToken as string) });
    service = await startTestService({ env: { ...fakes.urls, PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    tenant = await createTenant(service, { destinations: GOOD });
    owner = await createSession(service, { orgId: tenant.org.id, role: 'owner' });
  });
  after(async () => {
    await service.destroy();
    await fakes.close();
  });

  const post = (events: unknown[]) =>
    service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: { events },
    });

  /** Every destination's final status and message for an event id, once none is pending. */
  const finalOutcomes = (eventId: string) =>
    eventually(async () => {
      const rows = await service.storage.db
        .selectFrom('deliveries as d')
        .innerJoin('events as e', 'e.id', 'd.event_pk')
        .select(['d.destination_type', 'd.status', 'd.last_error'])
        .where('e.event_id', '=', eventId)
        .execute();
      if (rows.length !== TYPES.length || rows.some((r) => r.status === 'pending')) return undefined;
      return Object.fromEntries(rows.map((r) => [r.destination_type, `${r.status}:${r.last_error ?? ''}`]));
    });

  const received = (type: DestinationType, eventId: string): Accepted | undefined => {
    const events = fakes[type].accepted as Accepted[];
    return events.find((e) => JSON.stringify(e).includes(eventId));
  };

  const logItem = async (eventId: string) => {
    const res = await service.app!.inject({
      method: 'GET',
      url: `/v1/org/events?eventId=${eventId}`,
      headers: owner.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { events: Array<Record<string, unknown>> }).events[0]!;
  };

  test('ads refused: no platform receives the event; each outcome says consent; the log shows why', async () => {
    const res = await post([purchaseEvent({ eventId: 'consent-no-ads', consent: { ads: false } })]);
    assert.equal(res.statusCode, 200, res.body);
    const outcomes = await finalOutcomes('consent-no-ads');
    for (const type of TYPES) assert.equal(outcomes[type], 'skipped:consent', type);
    for (const type of TYPES) assert.equal(received(type, 'consent-no-ads'), undefined, type);
    const item = await logItem('consent-no-ads');
    assert.deepEqual(item.consent, {
      source: 'event',
      adStorage: false,
      adUserData: false,
      adPersonalization: false,
      analytics: true,
      limitedDataUse: null,
    });
  });

  test('US-state limited data use reaches each platform as its own flag', async () => {
    const res = await post([
      purchaseEvent({ eventId: 'consent-ldu', dataProcessing: { ldu: true, country: 'US', state: 'CA' } }),
    ]);
    assert.equal(res.statusCode, 200, res.body);
    const outcomes = await finalOutcomes('consent-ldu');
    for (const type of TYPES) assert.equal(outcomes[type], 'delivered:', type);
    const meta = received('meta', 'consent-ldu')!;
    assert.deepEqual(
      [
        meta.data_processing_options,
        meta.data_processing_options_country,
        meta.data_processing_options_state,
      ],
      [['LDU'], 1, 1000],
    );
    assert.equal(received('tiktok', 'consent-ldu')!.limited_data_use, true);
    assert.equal(received('pinterest', 'consent-ldu')!.opt_out, true);
    assert.equal(received('snapchat', 'consent-ldu')!.opt_out, true);
    assert.deepEqual(received('reddit', 'consent-ldu')!.user!.data_processing_options, {
      modes: ['LDU'],
      country: 'US',
      region: 'US-CA',
    });
  });

  test('a TCF string with measurement but not personalisation: sent, opted out where a platform can say so', async () => {
    const tcString = tcStringWith([1, 7]);
    const res = await post([
      purchaseEvent({ eventId: 'consent-tcf-measure', consent: { tcString, gdprApplies: true } }),
    ]);
    assert.equal(res.statusCode, 200, res.body);
    const outcomes = await finalOutcomes('consent-tcf-measure');
    for (const type of TYPES) assert.equal(outcomes[type], 'delivered:', type);
    assert.equal(received('pinterest', 'consent-tcf-measure')!.opt_out, true);
    assert.equal(received('meta', 'consent-tcf-measure')!.data_processing_options, undefined);
    const item = await logItem('consent-tcf-measure');
    assert.equal((item.consent as { source: string }).source, 'tcf');
  });

  test('a TCF string without storage consent keeps the event from every platform', async () => {
    const res = await post([
      purchaseEvent({ eventId: 'consent-tcf-none', consent: { tcString: tcStringWith([2, 7, 8]) } }),
    ]);
    assert.equal(res.statusCode, 200, res.body);
    const outcomes = await finalOutcomes('consent-tcf-none');
    for (const type of TYPES) assert.equal(outcomes[type], 'skipped:consent', type);
  });

  test('a TC string that does not decode refuses the request, and nothing is stored', async () => {
    const res = await post([
      purchaseEvent({ eventId: 'consent-ok-neighbour' }),
      purchaseEvent({ eventId: 'consent-bad-tcf', consent: { tcString: 'not-a-tc-string' } }),
    ]);
    assert.equal(res.statusCode, 400, res.body);
    const body = res.json() as { error: { code: string; details: { field: string } } };
    assert.equal(body.error.code, 'invalid_payload');
    assert.equal(body.error.details.field, 'events[1].consent.tcString');
    const stored = await service.storage.db
      .selectFrom('events')
      .select('id')
      .where('event_id', 'in', ['consent-ok-neighbour', 'consent-bad-tcf'])
      .execute();
    assert.deepEqual(stored, []);
  });

  test("the domain's consent default holds back events that say nothing, and only those", async () => {
    const patch = await service.app!.inject({
      method: 'PATCH',
      url: `/v1/domains/${tenant.domain.id}`,
      headers: owner.headers,
      payload: { consentDefault: 'deny' },
    });
    assert.equal(patch.statusCode, 200, patch.body);
    assert.equal((patch.json() as { consentDefault: string }).consentDefault, 'deny');
    try {
      const res = await post([
        purchaseEvent({ eventId: 'consent-default-silent' }),
        purchaseEvent({ eventId: 'consent-default-granted', consent: { ads: true } }),
      ]);
      assert.equal(res.statusCode, 200, res.body);
      const silent = await finalOutcomes('consent-default-silent');
      for (const type of TYPES) assert.equal(silent[type], 'skipped:consent', type);
      const granted = await finalOutcomes('consent-default-granted');
      for (const type of TYPES) assert.equal(granted[type], 'delivered:', type);
      assert.equal(
        ((await logItem('consent-default-silent')).consent as { source: string }).source,
        'default',
      );
    } finally {
      await service.app!.inject({
        method: 'PATCH',
        url: `/v1/domains/${tenant.domain.id}`,
        headers: owner.headers,
        payload: { consentDefault: 'forward' },
      });
    }
  });
});
