import { randomHexPooled } from './random.js';

/**
 * Type-prefixed, time-ordered ids (`evt_…`, `dom_…`): a fixed-width base36 millisecond timestamp, so ids sort
 * by creation time, then 80 random bits.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${now.toString(36).padStart(9, '0')}${randomHexPooled(10)}`;
}

/** A random identifier without a time component (event ids the shop did not send). */
export function randomId(bytes = 16): string {
  return randomHexPooled(bytes);
}
