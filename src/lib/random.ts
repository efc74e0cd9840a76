import { randomFillSync } from 'node:crypto';

// Ingest draws three small random values per event (ids, IV). Filling a pool from the CSPRNG in 8 KB steps
// costs a fraction of one randomBytes() call per value.
const pool = Buffer.allocUnsafe(8192);
let offset = pool.length;

/** Where the next `size` unused bytes of the pool start (refilled when it runs out). */
function draw(size: number): number {
  if (size > pool.length) throw new Error('randomBytesPooled: size exceeds the pool');
  if (offset + size > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += size;
  return start;
}

/** `size` fresh random bytes (a copy: later draws never change it). */
export function randomBytesPooled(size: number): Buffer {
  const start = draw(size);
  return Buffer.from(pool.subarray(start, start + size));
}

/** `size` fresh random bytes as hex: straight from the pool, without a Buffer (ids: several per event). */
export function randomHexPooled(size: number): string {
  const start = draw(size);
  return pool.toString('hex', start, start + size);
}
