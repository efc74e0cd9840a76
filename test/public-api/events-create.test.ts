import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { matchKeyNames } from '../../src/ingest/sealed-payload.js';
import { createDomain } from '../../src/storage/repos/domains.js';
import { createTenant, ManualClock, startTestService, type Tenant, type TestService } from '../harness.js';
import { apiEvent, bearer, createKey } from './helpers.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-test-token-1234' };

async function defineCustomEvent(
  service: TestService,
  orgId: string,
  name: string,
  active = true,
): Promise<void> {
  const now = Date.now();
  await service.storage.db
    .insertInto('custom_event_definitions')
    .values({
      id: `cev_${Math.random().toString(36).slice(2)}`,
      org_id: orgId,
      name,
      description: null,
      is_active: active ? 1 : 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

async function eventCount(service: TestService, orgId: string): Promise<number> {
  const row = await service.storage.db
    .selectFrom('events')
    .select(sql<number>`count(*)`.as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('POST /api/v1/events', () => {
  let service: TestService;
  let tenant: Tenant;
  let key: string;

  before(async () => {
    service = await startTestService({ role: 'api' });
    tenant = await createTenant(service, { destinations: { meta: META } });
    key = (await createKey(service, tenant.org.id)).key;
  });
  after(() => service.destroy());

  const post = (payload: unknown, headers: Record<string, string> = bearer(key)) =>
    service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  test('a single event: accepted, stored with source API and a delivery per destination; again → duplicate', async () => {
    const event = apiEvent();
    const first = await post(event);
    assert.equal(first.statusCode, 200);
    assert.deepEqual(first.json(), {
      success: true,
      duplicate: false,
      summary: { accepted: 1, duplicate: 0, failed: 0 },
      results: [{ index: 0, eventId: event.eventId, status: 'accepted' }],
    });
    const again = await post(event);
    assert.equal(again.json().success, true);
    assert.equal(again.json().duplicate, true);
    assert.equal(again.json().results[0].status, 'duplicate');
    const stored = await service.storage.db
      .selectFrom('events')
      .selectAll()
      .where('event_id', '=', event.eventId as string)
      .execute();
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.source, 'API');
    assert.equal(stored[0]!.domain_id, tenant.domain.id);
    // Personal data is sealed, never in the clear.
    assert.deepEqual(matchKeyNames(stored[0]!.match_keys), ['email', 'phone']);
    assert.equal(stored[0]!.match_keys, 'e,p');
    assert.ok(!JSON.stringify(stored[0]).includes('kunde@example.com'));
    const deliveries = await service.storage.db
      .selectFrom('deliveries')
      .select(['destination_type', 'status'])
      .where('event_pk', '=', stored[0]!.id)
      .execute();
    assert.deepEqual(deliveries, [{ destination_type: 'meta', status: 'pending' }]);
  });

  test('the seed’s bulk of 5: four accepted, InitiateCheckout (not defined) event_not_found; successes stand', async () => {
    const t = Math.floor(Date.now() / 1000) - 60;
    const suffix = Math.random().toString(36).slice(2, 8);
    const bulk = [
      { eventName: 'PageView', eventId: `pv_${suffix}`, eventTime: t },
      {
        eventName: 'ViewContent',
        eventId: `vc_${suffix}`,
        eventTime: t + 10,
        customData: { contentIds: ['prod-1'] },
      },
      {
        eventName: 'AddToCart',
        eventId: `atc_${suffix}`,
        eventTime: t + 20,
        customData: { value: 49.99, currency: 'EUR', contentIds: ['prod-1'] },
      },
      {
        eventName: 'InitiateCheckout',
        eventId: `ic_${suffix}`,
        eventTime: t + 30,
        customData: { value: 49.99, currency: 'EUR' },
      },
      {
        eventName: 'Purchase',
        eventId: `p_${suffix}`,
        eventTime: t + 40,
        customData: { value: 49.99, currency: 'EUR', orderId: 'ORDER-123' },
      },
    ];
    const res = await post(bulk);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.success, false);
    assert.deepEqual(body.summary, { accepted: 4, duplicate: 0, failed: 1 });
    assert.deepEqual(
      body.results.map((r: { index: number; status: string }) => [r.index, r.status]),
      [
        [0, 'accepted'],
        [1, 'accepted'],
        [2, 'accepted'],
        [3, 'failed'],
        [4, 'accepted'],
      ],
    );
    assert.equal(body.results[3].eventId, `ic_${suffix}`);
    assert.equal(body.results[3].error.code, 'event_not_found');
    assert.match(body.results[3].error.message, /InitiateCheckout/);
    const stored = await service.storage.db
      .selectFrom('events')
      .select(['event_id', 'event_name', 'custom_data', 'custom_data_sent'])
      .where('event_id', 'like', `%_${suffix}`)
      .orderBy('event_time')
      .execute();
    assert.deepEqual(
      stored.map((e) => [e.event_id, e.event_name]),
      [
        [`pv_${suffix}`, 'PageVisit'],
        [`vc_${suffix}`, 'ViewContent'],
        [`atc_${suffix}`, 'AddToCart'],
        [`p_${suffix}`, 'Purchase'],
      ],
    );
    // contentIds became contents for the platforms; what was sent is kept as sent.
    assert.deepEqual(JSON.parse(stored[1]!.custom_data!), { contents: [{ id: 'prod-1' }] });
    assert.deepEqual(JSON.parse(stored[1]!.custom_data_sent!), { contentIds: ['prod-1'] });
    assert.equal(stored[3]!.custom_data_sent, null);

    // Resending the whole batch is safe: the accepted ones are duplicates now.
    const again = await post(bulk);
    assert.deepEqual(again.json().summary, { accepted: 0, duplicate: 4, failed: 1 });
  });

  test('a defined and active custom event is accepted; inactive is event_not_found; Custom with or without a name too', async () => {
    await defineCustomEvent(service, tenant.org.id, 'InitiateCheckout');
    await defineCustomEvent(service, tenant.org.id, 'Webinar', false);
    const res = await post([
      apiEvent({ eventName: 'InitiateCheckout' }),
      apiEvent({ eventName: 'Webinar' }),
      apiEvent({ eventName: 'Custom', customEventName: 'InitiateCheckout' }),
      apiEvent({ eventName: 'Custom' }),
    ]);
    const statuses = res
      .json()
      .results.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status);
    // Custom without a name is the standard Custom type: no definition needed, each platform's default name.
    assert.deepEqual(statuses, ['accepted', 'event_not_found', 'accepted', 'accepted']);
    const stored = await service.storage.db
      .selectFrom('events')
      .select(['event_name', 'custom_event_name'])
      .where('event_id', '=', res.json().results[0].eventId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(stored, { event_name: 'Custom', custom_event_name: 'InitiateCheckout' });
  });

  test('eventTime must lie in [now − 86400, now + 300]; each outlier fails alone', async () => {
    const now = Math.floor(Date.now() / 1000);
    // A little slack on the inside edges: a second may pass between building and checking.
    const res = await post([
      apiEvent({ eventTime: now - 86_400 + 5 }),
      apiEvent({ eventTime: now - 86_400 - 5 }),
      apiEvent({ eventTime: now + 295 }),
      apiEvent({ eventTime: now + 310 }),
      apiEvent({ eventTime: Date.now() }),
    ]);
    const results = res.json().results as Array<{
      status: string;
      error?: { code: string; details: { field: string } };
    }>;
    assert.deepEqual(
      results.map((r) => r.status),
      ['accepted', 'failed', 'accepted', 'failed', 'failed'],
    );
    for (const failed of [results[1]!, results[3]!, results[4]!]) {
      assert.equal(failed.error!.code, 'validation_failed');
      assert.equal(failed.error!.details.field, 'eventTime');
    }
  });

  test('consent: a TC string that does not decode fails that event alone; a good one is stored with the decision', async () => {
    const res = await post([
      apiEvent({ consent: { tcString: 'not-a-tc-string' } }),
      apiEvent({ eventId: 'api-consent-ok', consent: { ads: false }, dataProcessing: { ldu: true } }),
    ]);
    const results = res.json().results as Array<{
      status: string;
      error?: { code: string; details: { field: string } };
    }>;
    assert.deepEqual(
      results.map((r) => r.status),
      ['failed', 'accepted'],
    );
    assert.equal(results[0]!.error!.code, 'validation_failed');
    assert.equal(results[0]!.error!.details.field, 'consent.tcString');
    const stored = await service.storage.db
      .selectFrom('events')
      .select('consent')
      .where('event_id', '=', 'api-consent-ok')
      .executeTakeFirstOrThrow();
    assert.equal(stored.consent, 'e0001;ldu');
  });

  test('schema errors fail the event with its field; the envelope is checked for the whole request', async () => {
    const res = await post([
      apiEvent({ eventTime: 'yesterday' }),
      apiEvent({ userData: { email: 42 } }),
      apiEvent({ customData: { value: '49.99' } }),
      apiEvent(),
    ]);
    const results = res.json().results as Array<{ status: string; error?: { details: { field: string } } }>;
    assert.deepEqual(
      results.map((r) => r.error?.details.field ?? r.status),
      ['eventTime', 'userData.email', 'customData.value', 'accepted'],
    );
    for (const [payload, label] of [
      [[], 'empty array'],
      [Array.from({ length: 101 }, () => apiEvent()), '101 events'],
      [[apiEvent(), 'text'], 'a non-object'],
      ['"just a string"', 'a string'],
    ] as const) {
      const whole = await post(payload);
      assert.equal(whole.statusCode, 400, label);
      assert.equal(whole.json().error.code, 'validation_failed', label);
    }
  });

  test('contents[].itemPrice maps to price; the stored customData for delivery has it, GET shows it as sent', async () => {
    const event = apiEvent({
      customData: {
        currency: 'EUR',
        value: 10,
        contents: [{ id: 'a', quantity: 2, itemPrice: 5 }],
        coupon: 'kept',
      },
    });
    await post(event);
    const row = await service.storage.db
      .selectFrom('events')
      .select(['custom_data', 'custom_data_sent'])
      .where('event_id', '=', event.eventId as string)
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.custom_data!).contents, [{ id: 'a', quantity: 2, price: 5 }]);
    assert.deepEqual(JSON.parse(row.custom_data_sent!), event.customData);
    const list = await service.app!.inject({
      method: 'GET',
      url: `/api/v1/events?limit=200`,
      headers: bearer(key),
    });
    const shown = list.json().data.find((e: { eventId: string }) => e.eventId === event.eventId);
    assert.deepEqual(shown.customData, event.customData);
  });

  test('domains: an org-wide key needs domainId when the org has several; a restricted key writes its own', async () => {
    const org = await createTenant(service, { destinations: { meta: META } });
    const second = await createDomain(service.storage.db, service.sealer, {
      orgId: org.org.id,
      host: `second-${Math.random().toString(36).slice(2)}.test`,
      now: Date.now(),
    });
    service.domains.invalidate();
    const { key: wide } = await createKey(service, org.org.id);
    const { key: restricted } = await createKey(service, org.org.id, { domainId: second.domain.id });
    const wideRes = await post(
      [apiEvent(), apiEvent({ domainId: second.domain.id }), apiEvent({ domainId: 'dom_unknown' })],
      bearer(wide),
    );
    const codes = wideRes
      .json()
      .results.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status);
    assert.deepEqual(codes, ['validation_failed', 'accepted', 'not_found']);
    assert.match(wideRes.json().results[0].error.message, /domainId is required/);

    const restrictedRes = await post(
      [apiEvent(), apiEvent({ domainId: second.domain.id }), apiEvent({ domainId: org.domain.id })],
      bearer(restricted),
    );
    const restrictedCodes = restrictedRes
      .json()
      .results.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status);
    assert.deepEqual(restrictedCodes, ['accepted', 'accepted', 'forbidden']);
    const domains = await service.storage.db
      .selectFrom('events')
      .select('domain_id')
      .where('org_id', '=', org.org.id)
      .execute();
    assert.deepEqual(
      domains.map((d) => d.domain_id),
      [second.domain.id, second.domain.id, second.domain.id],
    );
  });

  test('an org with one domain: the key writes there without domainId', async () => {
    const before = await eventCount(service, tenant.org.id);
    const res = await post(apiEvent());
    assert.equal(res.json().results[0].status, 'accepted');
    assert.equal(await eventCount(service, tenant.org.id), before + 1);
  });
});

describe('POST /api/v1/events: the 20-minute dedup window (ManualClock)', () => {
  let service: TestService;
  let tenant: Tenant;
  let key: string;
  const clock = new ManualClock(Date.parse('2026-04-01T10:00:00Z'));

  before(async () => {
    service = await startTestService({ role: 'api', clock });
    tenant = await createTenant(service);
    key = (await createKey(service, tenant.org.id)).key;
  });
  after(() => service.destroy());

  const send = async (eventId: string): Promise<string> => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: bearer(key),
      payload: apiEvent({ eventId }, clock.now()),
    });
    return res.json().results[0].status;
  };

  test('19 minutes later: duplicate; 21 minutes after the first: accepted again', async () => {
    assert.equal(await send('purchase_ORDER-1'), 'accepted');
    clock.advance(19 * 60_000);
    assert.equal(await send('purchase_ORDER-1'), 'duplicate');
    clock.advance(2 * 60_000);
    assert.equal(await send('purchase_ORDER-1'), 'accepted');
    // The window starts again from the event accepted last.
    clock.advance(60_000);
    assert.equal(await send('purchase_ORDER-1'), 'duplicate');
    const stored = await eventCount(service, tenant.org.id);
    assert.equal(stored, 2);
  });

  test('the proxy keeps its own 48 h window: the API’s 20 minutes do not shorten it', async () => {
    const proxyEvent = {
      eventName: 'Purchase',
      eventTime: Math.floor(clock.now() / 1000) - 5,
      eventId: 'purchase_PROXY-1',
    };
    const proxy = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: {
        host: tenant.domain.host,
        'content-type': 'application/json',
        'x-ssp-token': tenant.proxyToken,
      },
      payload: { events: [proxyEvent] },
    });
    assert.equal(proxy.statusCode, 200);
    clock.advance(3 * 3600_000);
    assert.equal(await send('purchase_PROXY-1'), 'duplicate');
  });
});
