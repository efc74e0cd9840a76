/**
 * The key an event is deduplicated by, as stored in `dedup_keys` (migration 0015): the first 16 bytes of the
 * SHA-256 of its domain's id, its dedup name (outbox-group.ts `dedupName`) and its event id, UTF-8, each
 * followed by a NUL (which validation refuses inside any of them, so two different triples never hash the
 * same bytes). 16 bytes instead of the three texts (~75 bytes, twice: the table and its expiry index).
 *
 * 128 bits: two different events of a domain would share a key with a probability of about n² / 2^129 for
 * n keys inside one window, ~10^-19 for ten billion. Migration 0015 computes the same bytes in SQL on
 * PostgreSQL (`sha256`), so keep the two in step.
 */
import { createHash } from 'node:crypto';

export const DEDUP_KEY_BYTES = 16;

export function dedupKey(domainId: string, dedupName: string, eventId: string): Buffer {
  return createHash('sha256')
    .update(`${domainId}\u0000${dedupName}\u0000${eventId}\u0000`)
    .digest()
    .subarray(0, DEDUP_KEY_BYTES);
}
