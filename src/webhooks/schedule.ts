/**
 * When a failed message is tried again: after the 1st attempt 5 s, then 5 min, 30 min, 2 h, 5 h, 10 h and
 * 10 h (eight attempts over about 28 hours), each delay spread by ±10 % jitter so endpoints that fail
 * together are not retried in lockstep. After the 8th attempt the message has failed.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3600_000,
  5 * 3600_000,
  10 * 3600_000,
  10 * 3600_000,
];

export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;

/** Fraction of a delay the jitter may add or take away. */
export const JITTER = 0.1;

/**
 * The delay before the next attempt once `attemptsMade` attempts failed, or null when that was the last.
 * `random` in [0, 1): 0.5 gives the schedule's value exactly.
 */
export function retryDelay(attemptsMade: number, random: () => number = Math.random): number | null {
  const base = RETRY_SCHEDULE_MS[attemptsMade - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}
