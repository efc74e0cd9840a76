import { randomBytesPooled } from './random.js';

/**
 * Type-prefixed, time-ordered ids (`evt_…`, `dom_…`): a fixed-width base36 millisecond timestamp, so ids sort
 * by creation time, then 80 random bits.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${now.toString(36).padStart(9, '0')}${randomBytesPooled(10).toString('hex')}`;
}

/** A random identifier without a time component (event ids the shop did not send). */
export function randomId(bytes = 16): string {
  return randomBytesPooled(bytes).toString('hex');
}
