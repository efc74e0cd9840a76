/** Shared pieces of the store-connection tests. */
import assert from 'node:assert/strict';
import type { TestService } from '../harness.js';

export interface Res {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

export async function call(
  service: TestService,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Res> {
  const res = await service.app!.inject({
    method,
    url,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
  });
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(res.body);
  } catch {
    body = { raw: res.body };
  }
  return { status: res.statusCode, body, headers: res.headers };
}

/** Seed 004's error body: exactly statusCode, message, error (plus nothing of the project's model). */
export function assertSeedError(res: Res, status: number, error?: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.statusCode, status);
  assert.equal(typeof res.body.message, 'string');
  assert.equal(typeof res.body.error, 'string');
  if (error) assert.equal(res.body.error, error);
}

export async function count(
  service: TestService,
  table: 'users' | 'orgs' | 'store_channels' | 'plugin_sessions' | 'shop_store_access',
): Promise<number> {
  const row = await service.storage.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export const uniqueEmail = (tag: string): string =>
  `${tag}-${Math.random().toString(16).slice(2, 10)}@store.example`;
