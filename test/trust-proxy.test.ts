import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTenant, proxyHeaders, purchaseEvent, startTestService } from './harness.js';

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
