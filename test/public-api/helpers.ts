/** Fixtures of the public API tests: keys, headers, events. */
import { randomBytes } from 'node:crypto';
import type { Service } from '../../src/main.js';
import { createApiKey, SCOPES, type Scope } from '../../src/public-api/keys.js';

export async function createKey(
  service: Service,
  orgId: string,
  options: { scopes?: Scope[]; domainId?: string | null; expiresAt?: number | null; name?: string } = {},
): Promise<{ key: string; id: string }> {
  const { key, apiKey } = await createApiKey(service.storage.db, {
    orgId,
    domainId: options.domainId ?? null,
    name: options.name ?? 'test key',
    scopes: options.scopes ?? [...SCOPES],
    createdBy: 'test',
    expiresAt: options.expiresAt ?? null,
    now: Date.now(),
  });
  return { key, id: apiKey.id };
}

export function bearer(key: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${key}`, ...extra };
}

/** A valid API event at `nowMs` (defaults to the wall clock); override what a test is about. */
export function apiEvent(
  overrides: Record<string, unknown> = {},
  nowMs = Date.now(),
): Record<string, unknown> {
  return {
    eventName: 'Purchase',
    eventId: `purchase_${randomBytes(5).toString('hex')}`,
    eventTime: Math.floor(nowMs / 1000) - 5,
    userData: { email: 'kunde@example.com', phone: '+493099999999' },
    customData: {
      currency: 'EUR',
      value: 49.99,
      orderId: `ORDER-${randomBytes(3).toString('hex')}`,
      contents: [{ id: 'prod-1', quantity: 1, itemPrice: 49.99 }],
    },
    ...overrides,
  };
}
