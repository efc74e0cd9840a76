/**
 * Spoofed X-Forwarded-For (issue 14 §4): with TRUST_PROXY=true every entry was trusted, so the client's own
 * left-most entry became its address — rotating it bypassed the proxy and login rate limits, and the made-up
 * address was sent to Meta as the shopper's. The client is now the right-most untrusted address: one hop for
 * `true` or `1`, N hops for `N`, the addresses not in the list for a CIDR list.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startFakePlatforms } from '../../src/dev/fakes/index.js';
import { TRUST_PROXY_TRUE_NOTE } from '../../src/http/forwarded-headers.js';
import { capturingLogger, createTenant, eventually, proxyHeaders, startTestService } from '../harness.js';

const PROXY_PEER = '10.0.0.2';
const SHOPPER = '198.51.100.23';
const spoofed = (i: number) => `203.0.113.${i + 1}`;

/** What the reverse proxies in front put in X-Forwarded-For after the client's own (spoofed) entry. */
const SETUPS = [
  { trust: 'true', chain: SHOPPER },
  { trust: '1', chain: SHOPPER },
  { trust: '10.0.0.0/24', chain: SHOPPER },
  // A CDN (its edge saw the shopper) in front of a load balancer at 10.0.0.7: two hops.
  { trust: '2', chain: `${SHOPPER}, 10.0.0.7` },
] as const;

describe('rotating a spoofed X-Forwarded-For entry changes nothing', () => {
  for (const { trust, chain } of SETUPS) {
    test(`TRUST_PROXY=${trust}: one rate-limit bucket per shopper, and Meta only sees the shopper’s address`, async () => {
      const fakes = await startFakePlatforms();
      const { logger, lines } = capturingLogger();
      const service = await startTestService({
        logger,
        env: {
          ...fakes.urls,
          TRUST_PROXY: trust,
          PROXY_RATE_LIMIT_PER_MINUTE: '2',
          LOGIN_RATE_LIMIT_PER_IP_PER_HOUR: '2',
        },
      });
      try {
        const tenant = await createTenant(service, {
          destinations: { meta: { pixelId: '1234567890', accessToken: 'EAAB-token-1234' } },
        });
        const forwardedFor = (i: number) => `${spoofed(i)}, ${chain}`;
        const pageView = (i: number) =>
          service.app!.inject({
            method: 'POST',
            url: '/v1/pmw-events',
            headers: proxyHeaders(tenant, {
              'x-forwarded-for': forwardedFor(i),
              'user-agent': 'Mozilla/5.0',
            }),
            remoteAddress: PROXY_PEER,
            payload: {
              event: 'page_view',
              facebook: {
                event_name: 'PageView',
                event_id: `spoof_${trust}_${i}`,
                event_time: Math.floor(Date.now() / 1000),
                action_source: 'website',
                event_source_url: 'https://shop.example.com/',
              },
            },
          });
        // The limits are fixed windows aligned to the minute (and hour): all requests go in one window.
        const leftInMinute = 60_000 - (Date.now() % 60_000);
        if (leftInMinute < 15_000) await new Promise((resolve) => setTimeout(resolve, leftInMinute + 50));
        const statuses: number[] = [];
        for (let i = 0; i < 5; i += 1) statuses.push((await pageView(i)).statusCode);
        assert.deepEqual(statuses, [200, 200, 429, 429, 429], 'the proxy limit holds for the shopper');

        const logins: number[] = [];
        for (let i = 0; i < 4; i += 1) {
          const res = await service.app!.inject({
            method: 'POST',
            url: '/v1/auth/login',
            headers: {
              origin: new URL(service.config.management.publicBaseUrl).origin,
              'x-forwarded-for': forwardedFor(10 + i),
            },
            remoteAddress: PROXY_PEER,
            payload: { email: `someone${i}@example.com` },
          });
          logins.push(res.statusCode);
        }
        assert.deepEqual(logins, [202, 202, 429, 429], 'the login limit per IP holds');

        await eventually(async () => fakes.meta.accepted.length === 2);
        await service.worker!.drain();
        const ips = fakes.meta.accepted.map(
          (e) => (e as { user_data: Record<string, unknown> }).user_data.client_ip_address,
        );
        assert.deepEqual(ips, [SHOPPER, SHOPPER], 'the spoofed addresses never reach a platform');
        const stored = JSON.stringify(
          await service.storage.db.selectFrom('audit_log').select('ip').execute(),
        );
        assert.doesNotMatch(stored, /203\.0\.113\./, 'nor the audit log');
        const notes = lines.filter((l) => l.msg === TRUST_PROXY_TRUE_NOTE);
        assert.equal(notes.length, trust === 'true' ? 1 : 0, 'TRUST_PROXY=true says how it is read');
      } finally {
        await service.destroy();
        await fakes.close();
      }
    });
  }
});
