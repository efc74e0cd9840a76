/**
 * API key format: `sp_` + 32 base62 characters (≈190 random bits). Only the SHA-256 of a key is stored;
 * its first characters are kept for display so a person can tell keys apart.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../lib/crypto.js';
import type { DB } from '../storage/db.js';
import { type ApiKeyView, type CreateApiKeyInput, insertApiKey } from '../storage/repos/api-keys.js';

export const API_KEY_PREFIX = 'sp_';
const BODY_LENGTH = 32;
const DISPLAY_CHARS = 8;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = /^sp_[0-9A-Za-z]{32}$/;

export const SCOPES = [
  'events:read',
  'events:write',
  'stats:read',
  'reconciliation:read',
  'attribution:read',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * A key created without scopes gets these: the events and stats it always had. Newer read scopes
 * (`reconciliation:read` and `attribution:read`, which show order values) are given only when asked for.
 */
export const DEFAULT_SCOPES: readonly Scope[] = ['events:read', 'events:write', 'stats:read'];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** A new random key. Rejection sampling keeps every character uniform (256 is not a multiple of 62). */
export function generateApiKey(): string {
  let body = '';
  while (body.length < BODY_LENGTH) {
    for (const byte of randomBytes(48)) {
      if (byte >= 248) continue;
      body += ALPHABET[byte % 62];
      if (body.length === BODY_LENGTH) break;
    }
  }
  return `${API_KEY_PREFIX}${body}`;
}

export function isWellFormedApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export function apiKeyHash(key: string): string {
  return sha256Hex(key);
}

/** `sp_AbCd1234`: shown in lists instead of the key. */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + DISPLAY_CHARS);
}

export function parseScopes(stored: readonly string[]): Scope[] {
  return stored.filter(isScope);
}

/** Creates a key for an org; the cleartext `key` is returned this once and never stored. */
export async function createApiKey(
  db: DB,
  input: Omit<CreateApiKeyInput, 'keyHash' | 'prefix'>,
): Promise<{ key: string; apiKey: ApiKeyView }> {
  const key = generateApiKey();
  const apiKey = await insertApiKey(db, {
    ...input,
    keyHash: apiKeyHash(key),
    prefix: apiKeyDisplayPrefix(key),
  });
  return { key, apiKey };
}

/** An authenticated API key, as the public API's use cases see it. */
export interface ApiKeyAuth {
  id: string;
  orgId: string;
  /** Set: the key reads and writes this domain only. */
  domainId: string | null;
  prefix: string;
  scopes: Scope[];
  plan: string;
  /** The org's subscription, for the admission of events (src/ingest/accept.ts). */
  subscriptionStatus: string;
}
