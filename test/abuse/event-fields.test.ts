/**
 * Event fields an attacker controls (issue 14 §4): page URLs must be http(s) (the event log hands them back
 * to the dashboard, where a `javascript:` URL would be a script link), and event times older than the
 * platforms take are refused at the door (EVENT_MAX_AGE_DAYS, default 7 days: Meta's limit).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InboundEvent } from '../../src/ingest/schema.js';
import { conforming } from '../../src/orders/process-webhook.js';
import {
  createSession,
  createTenant,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from '../harness.js';
import { apiEvent, bearer, createKey } from '../public-api/helpers.js';

const DAY = 86_400;

describe('eventSourceUrl and referrerUrl are http(s) on every entry point', () => {
  let service: TestService;
  let tenant: Tenant;
  let apiKey: string;
  before(async () => {
    service = await startTestService({ role: 'api', env: { PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    tenant = await createTenant(service, {});
    apiKey = (await createKey(service, tenant.org.id)).key;
  });
  after(() => service.destroy());

  const BAD = [
    'javascript:alert(document.cookie)',
    ' JavaScript:alert(1)',
    'data:text/html,<script>',
    'ftp://x/',
  ];

  test('proxy /v1/events and sync: 400 invalid_payload naming the field; http(s) in any case passes', async () => {
    for (const url of BAD) {
      for (const field of ['eventSourceUrl', 'referrerUrl']) {
        const res = await service.app!.inject({
          method: 'POST',
          url: '/v1/events',
          headers: proxyHeaders(tenant),
          payload: { events: [purchaseEvent(), purchaseEvent({ [field]: url })] },
        });
        assert.equal(res.statusCode, 400, `${field}=${url}: ${res.body}`);
        const error = res.json().error;
        assert.equal(error.code, 'invalid_payload');
        assert.equal(error.details.field, `events[1].${field}`);
        assert.match(error.message, /must be an http\(s\) URL/);
      }
      const sync = await service.app!.inject({
        method: 'POST',
        url: '/v1/sync/purchase-events',
        headers: { authorization: `Bearer ${tenant.syncToken}` },
        payload: { events: [purchaseEvent({ eventSourceUrl: url })] },
      });
      assert.equal(sync.statusCode, 400, sync.body);
      assert.equal(sync.json().error.code, 'invalid_payload');
    }
    for (const url of ['https://shop.example.com/p?q=1', 'HTTP://shop.example.com/', '']) {
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: { events: [purchaseEvent({ eventSourceUrl: url })] },
      });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    }
  });

  test('PMW: facebook.event_source_url (the stored page URL) must be http(s)', async () => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/pmw-events',
      headers: proxyHeaders(tenant),
      payload: { event: 'page_view', facebook: { event_name: 'PageView', event_source_url: BAD[0] } },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error.code, 'invalid_payload');
    assert.equal(res.json().error.details.field, '[0].facebook.event_source_url');
  });

  test('public API: the event is refused (validation_failed) and the event log never returns the URL', async () => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: bearer(apiKey),
      payload: [apiEvent({ eventSourceUrl: BAD[0] }), apiEvent()],
    });
    assert.equal(res.statusCode, 200, res.body);
    const results = res.json().results as Array<{ status: string; error?: { code: string } }>;
    assert.equal(results[0]!.error?.code, 'validation_failed', JSON.stringify(results));
    assert.notEqual(results[1]!.status, 'error', JSON.stringify(results));
    const stored = await service.storage.db
      .selectFrom('events')
      .select('event_source_url')
      .where('org_id', '=', tenant.org.id)
      .execute();
    assert.ok(stored.length > 0);
    assert.ok(stored.every((row) => !/^\s*(javascript|data|ftp):/i.test(row.event_source_url ?? '')));
  });

  test('pixel /v1/collect: page.referrer must be http(s)', async () => {
    const session = await createSession(service, { orgId: tenant.org.id });
    const key = await service.app!.inject({
      method: 'POST',
      url: `/v1/domains/${tenant.domain.id}/pixel-keys`,
      headers: session.headers,
      payload: {},
    });
    assert.equal(key.statusCode, 201, key.body);
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/collect',
      headers: {
        host: tenant.domain.host,
        origin: 'https://shop.example.com',
        'content-type': 'application/json',
      },
      payload: {
        key: key.json().key,
        page: { url: 'https://shop.example.com/', referrer: BAD[0] },
        events: [{ name: 'PageVisit' }],
      },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error.details.field, 'page.referrer');
  });
});

describe('event times older than EVENT_MAX_AGE_DAYS are refused', () => {
  let service: TestService;
  let tenant: Tenant;
  before(async () => {
    service = await startTestService({ role: 'api', env: { PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    tenant = await createTenant(service, {});
  });
  after(() => service.destroy());

  const now = () => Math.floor(Date.now() / 1000);
  const send = (url: string, payload: unknown, headers = proxyHeaders(tenant)) =>
    service.app!.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });

  test('proxy: 2001 and 8 days ago are 400 naming the event; 6 days ago is accepted', async () => {
    for (const eventTime of [1_000_000_000, now() - 8 * DAY]) {
      const res = await send('/v1/events', { events: [purchaseEvent(), purchaseEvent({ eventTime })] });
      assert.equal(res.statusCode, 400, res.body);
      const error = res.json().error;
      assert.equal(error.code, 'invalid_payload');
      assert.equal(error.details.field, 'events[1].eventTime');
      assert.equal(error.details.index, 1);
      assert.match(error.message, /more than 7 days in the past/);
    }
    const fresh = await send('/v1/events', { events: [purchaseEvent({ eventTime: now() - 6 * DAY })] });
    assert.equal(fresh.statusCode, 200, fresh.body);
    const stored = await service.storage.db
      .selectFrom('events')
      .select('event_time')
      .where('org_id', '=', tenant.org.id)
      .execute();
    assert.equal(stored.length, 1, 'nothing of the refused requests was stored');
  });

  test('sync purchase events and PMW share the bound', async () => {
    const sync = await send(
      '/v1/sync/purchase-events',
      { events: [purchaseEvent({ eventTime: 1_000_000_000 })] },
      { 'content-type': 'application/json', authorization: `Bearer ${tenant.syncToken}` },
    );
    assert.equal(sync.statusCode, 400, sync.body);
    assert.equal(sync.json().error.details.field, 'events[0].eventTime');
    const pmw = await send('/v1/pmw-events', {
      event: 'purchase',
      facebook: { event_name: 'Purchase', event_id: 'pmw-old-1', event_time: 1_000_000_000 },
    });
    assert.equal(pmw.statusCode, 400, pmw.body);
    assert.equal(pmw.json().error.details.field, '[0].event_time');
  });

  test('EVENT_MAX_AGE_DAYS widens the bound', async () => {
    const wide = await startTestService({ role: 'api', env: { EVENT_MAX_AGE_DAYS: '40' } });
    try {
      const t = await createTenant(wide, {});
      const res = await wide.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(t),
        payload: { events: [purchaseEvent({ eventTime: now() - 30 * DAY })] },
      });
      assert.equal(res.statusCode, 200, res.body);
    } finally {
      await wide.destroy();
    }
  });
});

test('a shop order whose landing page is not http(s) keeps its Purchase, without the URL', () => {
  const event = purchaseEvent({
    eventSourceUrl: 'javascript:alert(1)',
    referrerUrl: 'data:text/html,x',
  }) as unknown as InboundEvent;
  const conformed = conforming(event);
  assert.equal('eventSourceUrl' in conformed, false);
  assert.equal('referrerUrl' in conformed, false);
  assert.equal(conformed.eventId, event.eventId);
  assert.deepEqual(conformed.customData, event.customData);
});
