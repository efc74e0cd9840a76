/** Injected time, so retry and expiry logic is tested without sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current: number = Date.now()) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

export const DAY_MS = 86_400_000;

/** The start (ms) of the UTC day `ms` falls in. */
export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** The last day `dayOf` formatted: every ingest request asks for today's key, and formatting is the cost. */
let lastDayStart = Number.NaN;
let lastDay = '';

/** UTC day key (`2026-12-07`) of a millisecond time. */
export function dayOf(ms: number): string {
  const start = utcDayStart(ms);
  if (start !== lastDayStart) {
    lastDay = new Date(start).toISOString().slice(0, 10);
    lastDayStart = start;
  }
  return lastDay;
}
