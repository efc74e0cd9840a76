/**
 * Diagnostics (issue 9 §4) from a known mix of events, on both dialects: every flag, the deduplication
 * rate across browser and server, the click-id share of purchases, and per destination the coverage of
 * each identifier and the mean match score — the same figures through the management API, the public API
 * and the CLI's use case.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DiagnosticsReport } from '../src/ingest/diagnostics-report.js';
import {
  createSession,
  createTenant,
  proxyHeaders,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
} from './harness.js';
import { bearer, createKey } from './public-api/helpers.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-diagnostics-1234' };
const now = () => Math.floor(Date.now() / 1000) - 5;

const purchase = (
  eventId: string,
  userData: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  eventName: 'Purchase',
  eventTime: now(),
  eventId,
  eventSourceUrl: 'https://shop.example.com/checkout/order-received/1/',
  userData,
  customData: { currency: 'EUR', value: 10 },
  ...extra,
});

describe('diagnostics from a known mix of events', () => {
  let service: TestService;
  let tenant: Tenant;
  let owner: TestSession;
  let report: DiagnosticsReport;

  before(async () => {
    service = await startTestService({ role: 'api', env: { PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    tenant = await createTenant(service, { destinations: { meta: META } });
    owner = await createSession(service, { orgId: tenant.org.id, role: 'viewer' });
    // The shopper's browser (and the shop's server) from public addresses: only event 1's IP is private.
    const post = async (url: string, payload: object) => {
      const res = await service.app!.inject({
        method: 'POST',
        url,
        headers: proxyHeaders(tenant),
        payload,
        remoteAddress: '198.51.100.9',
      });
      assert.equal(res.statusCode, 200, res.body);
    };
    const ua = 'Mozilla/5.0 (X11; Linux x86_64)';
    await post('/v1/events', {
      events: [
        // 1: the shop server's private IP as the shopper's.
        purchase('d-private', { email: 'a@example.com', ipAddress: '10.0.0.5', userAgent: ua }),
        // 2: the landing URL's fbclid did not make it into the event.
        purchase(
          'd-lost-click',
          { email: 'b@example.com', phone: '+14155550100', ipAddress: '198.51.100.2', userAgent: ua },
          { eventSourceUrl: 'https://shop.example.com/product?fbclid=IwAR123' },
        ),
        // 3: a page view with nothing to match on.
        { eventName: 'PageVisit', eventTime: now(), eventId: 'd-anonymous', userData: {} },
        // 4: a click id, and an IP with a port.
        purchase('d-port', {
          email: 'c@example.com',
          fbc: 'fb.1.1700000000.AbC',
          ipAddress: '198.51.100.3:443',
        }),
      ],
    });
    // 5–24: twenty different shoppers on one IP: from the twentieth on, flagged as shared.
    await post('/v1/events', {
      events: Array.from({ length: 20 }, (_, i) => ({
        eventName: 'AddToCart',
        eventTime: now(),
        eventId: `d-shared-${i}`,
        userData: { email: `shopper${i}@example.com`, ipAddress: '198.51.100.77', userAgent: ua },
      })),
    });
    // 25: the browser sends an event, then the server sends the same id: stored once, paired.
    await post('/v1/pmw-events', {
      event: 'purchase',
      facebook: { event_name: 'Purchase', event_id: 'd-paired', event_time: now() },
    });
    await post('/v1/events', { events: [purchase('d-paired', { email: 'd@example.com' })] });

    const res = await service.app!.inject({
      method: 'GET',
      url: `/v1/domains/${tenant.domain.id}/diagnostics`,
      headers: owner.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    report = res.json() as DiagnosticsReport;
  });
  after(() => service.destroy());

  test('every flag counts the events that carry it', () => {
    assert.equal(report.events, 25);
    assert.equal(report.browserEvents, 1);
    assert.deepEqual(report.flags, {
      ipNotPublic: 1,
      ipWithPort: 1,
      ipMalformed: 0,
      ipShared: 1,
      clickIdNotInEvent: 1,
      noIdentifier: 1,
      hasClickId: 1,
      pairedAcrossPaths: 1,
    });
  });

  test('deduplication rate and the click-id share of purchases', () => {
    assert.deepEqual(report.deduplication, { pairedEvents: 1, rate: 0.04 });
    // Purchases stored: private, lost-click, port, and the browser's paired one.
    assert.deepEqual(report.purchases, { count: 4, withClickId: 1, clickIdRate: 0.25 });
  });

  test('warnings: only what happened, each with what to do', () => {
    const codes = report.warnings.map((w) => w.code).sort();
    assert.deepEqual(codes, [
      'click_id_missing',
      'ip_not_public',
      'ip_shared_by_many_shoppers',
      'ip_with_port',
      'no_identifier',
    ]);
    for (const warning of report.warnings) assert.ok(warning.message.length > 40, warning.code);
  });

  test('per destination: identifier coverage and the mean match score', () => {
    assert.equal(report.destinations.length, 1);
    const meta = report.destinations[0]!;
    assert.equal(meta.type, 'meta');
    // 24 deliveries measured (the browser's PMW event carries its identifiers in its own object).
    assert.equal(meta.deliveries, 25);
    assert.equal(meta.coverage.email, 0.958); // 23 of 24
    assert.equal(meta.coverage.fbc, 0.042); // 1 of 24
    assert.equal(meta.coverage.phone, 0.042);
    assert.ok(meta.meanMatchScore !== null && meta.meanMatchScore > 0 && meta.meanMatchScore <= 10);
  });

  test('the public API gives the same report; another org gets 404 for the domain', async () => {
    const { key } = await createKey(service, tenant.org.id, { scopes: ['stats:read'] });
    const res = await service.app!.inject({
      method: 'GET',
      url: `/api/v1/diagnostics?domainId=${tenant.domain.id}`,
      headers: bearer(key),
    });
    assert.equal(res.statusCode, 200, res.body);
    const api = res.json() as DiagnosticsReport;
    assert.deepEqual({ ...api, from: '', to: '' }, { ...report, from: '', to: '' });
    const other = await createTenant(service, {});
    const outsider = await createSession(service, { orgId: other.org.id, role: 'owner' });
    const denied = await service.app!.inject({
      method: 'GET',
      url: `/v1/domains/${tenant.domain.id}/diagnostics`,
      headers: outsider.headers,
    });
    assert.equal(denied.statusCode, 404);
  });

  test('a range of more than 92 days, or from after to, is refused', async () => {
    for (const query of ['from=2026-01-01&to=2026-06-01', 'from=2026-02-01&to=2026-01-01']) {
      const res = await service.app!.inject({
        method: 'GET',
        url: `/v1/domains/${tenant.domain.id}/diagnostics?${query}`,
        headers: owner.headers,
      });
      assert.equal(res.statusCode, 400, query);
      assert.equal(res.json().error.code, 'validation_failed');
    }
  });
});
