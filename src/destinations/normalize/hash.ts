import { sha256Hex } from '../../lib/crypto.js';

export { sha256Hex };

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** Whether `value` already is a SHA-256 hex digest (shops sometimes send pre-hashed identifiers). */
export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value.trim());
}

/**
 * Normalize then hash one identifier. A value that is already a 64-hex digest passes through
 * (lowercased) instead of being hashed twice, which would make it unmatchable. A value the
 * normalizer rejects is omitted rather than sent malformed.
 */
export function hashNormalized(
  raw: string | undefined,
  normalize: (value: string) => string | undefined,
): string | undefined {
  if (raw === undefined) return undefined;
  if (isSha256Hex(raw)) return raw.trim().toLowerCase();
  const normalized = normalize(raw);
  return normalized === undefined ? undefined : sha256Hex(normalized);
}
