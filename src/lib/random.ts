import { randomFillSync } from 'node:crypto';

// Ingest draws three small random values per event (ids, IV). Filling a pool from the CSPRNG in 8 KB steps
// costs a fraction of one randomBytes() call per value.
const pool = Buffer.allocUnsafe(8192);
let offset = pool.length;

/** `size` fresh random bytes (a copy: later draws never change it). */
export function randomBytesPooled(size: number): Buffer {
  if (size > pool.length) throw new Error('randomBytesPooled: size exceeds the pool');
  if (offset + size > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  offset += size;
  return out;
}
