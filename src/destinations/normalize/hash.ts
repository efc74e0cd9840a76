import { sha256Hex } from '../../lib/crypto.js';

export { sha256Hex };

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** Whether `value` already is a SHA-256 hex digest (shops sometimes send pre-hashed identifiers). */
export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value.trim());
}

/**
 * Normalize-then-hash results of one build. A batch repeats values (a customer's several events, a shop's
 * country, state and city), and each costs a normalization (a phone number is parsed) and a SHA-256. Only
 * active within `withHashMemo`, which a build wraps around synchronous stretches of mapping, so no personal
 * value outlives the batch that already holds it.
 */
export class HashMemo {
  readonly entries = new Map<string, string | undefined>();
}

/** Enough for a batch of distinct customers (about 12 values each); past it, values are computed again. */
const MEMO_LIMIT = 50_000;
let active: HashMemo | undefined;

export function withHashMemo<T>(memo: HashMemo, run: () => T): T {
  const previous = active;
  active = memo;
  try {
    return run();
  } finally {
    active = previous;
  }
}

/**
 * Normalize then hash one identifier. A value that is already a 64-hex digest passes through
 * (lowercased) instead of being hashed twice, which would make it unmatchable. A value the
 * normalizer rejects is omitted rather than sent malformed.
 *
 * `memoKey` names the field and every input the normalizer reads besides `raw` (e.g. `ph:US:DE`): with it,
 * the result is remembered for the rest of the build (HashMemo).
 */
export function hashNormalized(
  raw: string | undefined,
  normalize: (value: string) => string | undefined,
  memoKey?: string,
): string | undefined {
  if (raw === undefined) return undefined;
  const memo = memoKey === undefined ? undefined : active;
  if (memo === undefined) return computeHash(raw, normalize);
  const key = `${memoKey}\u0000${raw}`;
  const hit = memo.entries.get(key);
  if (hit !== undefined || memo.entries.has(key)) return hit;
  const value = computeHash(raw, normalize);
  if (memo.entries.size < MEMO_LIMIT) memo.entries.set(key, value);
  return value;
}

function computeHash(raw: string, normalize: (value: string) => string | undefined): string | undefined {
  if (isSha256Hex(raw)) return raw.trim().toLowerCase();
  const normalized = normalize(raw);
  return normalized === undefined ? undefined : sha256Hex(normalized);
}
