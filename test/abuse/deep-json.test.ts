/**
 * Deeply nested JSON (issue 14 §4): JSON.parse takes thousands of levels, what runs next (sealing's
 * JSON.stringify, the idempotency hash's canonical JSON) overflowed the stack and answered 500. Every JSON
 * entry point now answers its 400 in the error model, and ordinary bodies still pass.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createSession,
  createTenant,
  proxyHeaders,
  startTestService,
  type Tenant,
  type TestService,
} from '../harness.js';
import { bearer, createKey } from '../public-api/helpers.js';

const nestedArrays = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const nestedObjects = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('deeply nested JSON answers 400 on every JSON entry point', () => {
  let service: TestService;
  let tenant: Tenant;
  let apiKey: string;
  let sessionHeaders: Record<string, string>;
  before(async () => {
    service = await startTestService({ role: 'api', env: { PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    tenant = await createTenant(service, {});
    apiKey = (await createKey(service, tenant.org.id)).key;
    sessionHeaders = (await createSession(service, { orgId: tenant.org.id })).headers;
  });
  after(() => service.destroy());

  const now = () => Math.floor(Date.now() / 1000);
  const event = (customValue: string) =>
    `{"eventName":"Purchase","eventTime":${now()},"eventId":"deep-${Math.random()}","customData":{"x":${customValue}}}`;

  interface EntryPoint {
    name: string;
    url: string;
    code: 'invalid_payload' | 'validation_failed';
    headers: () => Record<string, string>;
    body: (nested: string) => string;
  }
  const entryPoints: EntryPoint[] = [
    {
      name: 'proxy /v1/events',
      url: '/v1/events',
      code: 'invalid_payload',
      headers: () => proxyHeaders(tenant),
      body: (nested) => `{"events":[${event(nested)}]}`,
    },
    {
      name: 'PMW /v1/pmw-events',
      url: '/v1/pmw-events',
      code: 'invalid_payload',
      headers: () => proxyHeaders(tenant),
      body: (nested) => `{"event":"purchase","facebook":{"event_name":"Purchase","custom":${nested}}}`,
    },
    {
      name: 'sync /v1/sync/purchase-events',
      url: '/v1/sync/purchase-events',
      code: 'invalid_payload',
      headers: () => ({ 'content-type': 'application/json', authorization: `Bearer ${tenant.syncToken}` }),
      body: (nested) => `{"events":[${event(nested)}]}`,
    },
    {
      name: 'pixel /v1/collect as text/plain (sendBeacon)',
      url: '/v1/collect',
      code: 'invalid_payload',
      headers: () => ({ host: tenant.domain.host, 'content-type': 'text/plain;charset=UTF-8' }),
      body: (nested) => `{"page":{"url":"https://shop.example.com/"},"events":[],"x":${nested}}`,
    },
    {
      name: 'public API /api/v1/events with Idempotency-Key',
      url: '/api/v1/events',
      code: 'validation_failed',
      headers: () =>
        bearer(apiKey, { 'content-type': 'application/json', 'idempotency-key': `idem-${Math.random()}` }),
      body: (nested) => event(nested),
    },
    {
      name: 'management /v1/orgs with Idempotency-Key',
      url: '/v1/orgs',
      code: 'validation_failed',
      headers: () => ({
        ...sessionHeaders,
        'content-type': 'application/json',
        'idempotency-key': `idem-${Math.random()}`,
      }),
      body: (nested) => `{"name":"Deep","x":${nested}}`,
    },
  ];

  for (const entry of entryPoints) {
    test(entry.name, async () => {
      // 4,200 levels (the probe's) without a key; 2,500 was enough with an Idempotency-Key.
      for (const nested of [nestedArrays(4200), nestedObjects(4200), nestedArrays(2500)]) {
        const res = await service.app!.inject({
          method: 'POST',
          url: entry.url,
          headers: entry.headers(),
          payload: entry.body(nested),
        });
        assert.equal(res.statusCode, 400, res.body);
        const error = res.json().error;
        assert.equal(error.code, entry.code);
        assert.match(error.message, /nests deeper than 64 levels/);
      }
    });
  }

  test('ordinary nesting still passes: a proxy event with nested customData is accepted', async () => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: `{"events":[${event(nestedObjects(20))}]}`,
    });
    assert.equal(res.statusCode, 200, res.body);
  });
});
