import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startFakePlatforms } from '../src/dev/fakes/index.js';
import {
  capturingLogger,
  createTenant,
  eventually,
  proxyHeaders,
  purchaseEvent,
  startTestService,
} from './harness.js';

describe('the domain is found by Host; X-Forwarded-Host only with TRUST_PROXY', () => {
  for (const trust of [false, true]) {
    test(`TRUST_PROXY=${trust}`, async () => {
      const service = await startTestService({
        role: 'api',
        env: { TRUST_PROXY: String(trust), PROXY_RATE_LIMIT_PER_MINUTE: '0' },
      });
      try {
        const tenant = await createTenant(service, {});
        const res = await service.app!.inject({
          method: 'POST',
          url: '/v1/events',
          headers: proxyHeaders(tenant, {
            host: 'tagbridge.internal:8080',
            'x-forwarded-host': tenant.domain.host,
          }),
          payload: { events: [purchaseEvent()] },
        });
        if (trust) {
          assert.equal(res.statusCode, 200, res.body);
        } else {
          assert.equal(res.statusCode, 404);
          assert.equal(res.json().error.code, 'domain_not_configured');
        }
        // The Host header itself always works, with or without a port.
        const direct = await service.app!.inject({
          method: 'POST',
          url: '/v1/events',
          headers: proxyHeaders(tenant, { host: `${tenant.domain.host}:443` }),
          payload: { events: [purchaseEvent()] },
        });
        assert.equal(direct.statusCode, 200, direct.body);
      } finally {
        await service.destroy();
      }
    });
  }
});

const forwardingWarnings = (lines: Array<Record<string, unknown>>) =>
  lines.filter((l) => l.level === 40 && /^Ignoring .*TRUST_PROXY/.test(String(l.msg)));

describe('forwarding headers that are not trusted are warned about once', () => {
  test('TRUST_PROXY off: X-Forwarded-For and Forwarded are ignored, and one warning names TRUST_PROXY', async () => {
    const { logger, lines } = capturingLogger();
    const service = await startTestService({ role: 'api', logger, env: { TRUST_PROXY: 'false' } });
    try {
      const tenant = await createTenant(service, {});
      const send = (headers: Record<string, string>) =>
        service.app!.inject({
          method: 'POST',
          url: '/v1/events',
          headers: proxyHeaders(tenant, headers),
          remoteAddress: '10.0.0.2',
          payload: { events: [purchaseEvent()] },
        });
      assert.equal((await send({})).statusCode, 200);
      assert.deepEqual(forwardingWarnings(lines), [], 'no forwarding headers, no warning');
      const first = await send({ 'x-forwarded-for': '198.51.100.7' });
      assert.equal(first.statusCode, 200);
      // The forwarded address was not used: the bucket is the proxy's.
      await send({ forwarded: 'for=198.51.100.8' });
      await send({ 'x-forwarded-for': '198.51.100.9' });
      const warnings = forwardingWarnings(lines);
      assert.equal(warnings.length, 1, JSON.stringify(lines));
      assert.match(
        String(warnings[0]!.msg),
        /Ignoring x-forwarded-for from 10\.0\.0\.2 because TRUST_PROXY is off/,
      );
      assert.deepEqual(warnings[0]!.headers, ['x-forwarded-for']);
    } finally {
      await service.destroy();
    }
  });

  test('TRUST_PROXY with proxy addresses: a listed proxy is trusted, another peer is warned about', async () => {
    const { logger, lines } = capturingLogger();
    const service = await startTestService({
      role: 'api',
      logger,
      env: { TRUST_PROXY: '10.0.0.0/24', PROXY_RATE_LIMIT_PER_MINUTE: '1' },
    });
    try {
      const tenant = await createTenant(service, {});
      const send = (remoteAddress: string, forwardedFor: string) =>
        service.app!.inject({
          method: 'POST',
          url: '/v1/events',
          headers: proxyHeaders(tenant, { 'x-forwarded-for': forwardedFor }),
          remoteAddress,
          payload: { events: [purchaseEvent()] },
        });
      // Through the listed proxy, two shoppers have a bucket each.
      assert.equal((await send('10.0.0.2', '198.51.100.1')).statusCode, 200);
      assert.equal((await send('10.0.0.2', '198.51.100.2')).statusCode, 200);
      assert.deepEqual(forwardingWarnings(lines), []);
      // From elsewhere the header is ignored, so both requests share the peer's bucket.
      assert.equal((await send('192.0.2.50', '198.51.100.3')).statusCode, 200);
      assert.equal((await send('192.0.2.50', '198.51.100.4')).statusCode, 429);
      const warnings = forwardingWarnings(lines);
      assert.equal(warnings.length, 1);
      assert.match(String(warnings[0]!.msg), /192\.0\.2\.50 is not in TRUST_PROXY/);
    } finally {
      await service.destroy();
    }
  });
});

describe('with TRUST_PROXY, the forwarded address is the shopper’s', () => {
  for (const trust of [true, false]) {
    test(`TRUST_PROXY=${trust}: per-shopper rate-limit buckets and the IP sent to Meta`, async () => {
      const fakes = await startFakePlatforms();
      const { logger, lines } = capturingLogger();
      const service = await startTestService({
        logger,
        env: { ...fakes.urls, TRUST_PROXY: String(trust), PROXY_RATE_LIMIT_PER_MINUTE: '1' },
      });
      try {
        const tenant = await createTenant(service, {
          destinations: { meta: { pixelId: '1234567890', accessToken: 'EAAB-token-1234' } },
        });
        const send = (shopperIp: string, eventId: string) =>
          service.app!.inject({
            method: 'POST',
            url: '/v1/pmw-events',
            headers: proxyHeaders(tenant, {
              'x-forwarded-for': shopperIp,
              'user-agent': 'Mozilla/5.0 (Shopper)',
            }),
            remoteAddress: '10.0.0.2',
            payload: {
              event: 'page_view',
              facebook: {
                event_name: 'PageView',
                event_id: eventId,
                event_time: Math.floor(Date.now() / 1000),
                action_source: 'website',
                event_source_url: 'https://shop.example.com/',
                user_data: { fbp: 'fb.1.1700000000.1234567890' },
              },
            },
          });
        const first = await send('198.51.100.23', 'pmw_first_event_000001');
        assert.equal(first.statusCode, 200, first.body);
        const second = await send('198.51.100.24', 'pmw_second_event_00002');
        assert.equal(second.statusCode, trust ? 200 : 429, second.body);
        await eventually(async () => fakes.meta.accepted.length === (trust ? 2 : 1));
        const ips = fakes.meta.accepted.map(
          (e) => (e as { user_data: Record<string, unknown> }).user_data.client_ip_address,
        );
        // Untrusted, the peer is the proxy: its private address is never sent as the shopper's.
        assert.deepEqual(ips, trust ? ['198.51.100.23', '198.51.100.24'] : [undefined]);
        assert.equal(forwardingWarnings(lines).length, trust ? 0 : 1);
      } finally {
        await service.destroy();
        await fakes.close();
      }
    });
  }
});
