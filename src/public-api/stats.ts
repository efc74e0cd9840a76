/**
 * GET /api/v1/stats: per UTC bucket (hour, day, ISO week from Monday, calendar month) the events by name,
 * Purchase revenue converted to one currency with the ECB rate of the bucket's day, the conversion rate
 * (Purchases / PageVisits) and each platform's delivery success rate (delivered / delivered + failed + dead).
 * Time is the arrival time, the same axis as the event list.
 */
import { DAY_MS } from '../lib/clock.js';
import type { DB, Dialect } from '../storage/db.js';
import {
  deliveryCountsByBucket,
  eventCountsByBucket,
  purchaseCurrencies,
  purchaseValueByBucket,
  type StatsScope,
} from '../storage/repos/api-stats.js';
import type { RateTable } from './fx/rates.js';

export const GRANULARITIES = ['hour', 'day', 'week', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

const HOUR_MS = 3600_000;
/** 1970-01-05, the first Monday after the epoch: ISO weeks are aligned to it. */
const FIRST_MONDAY_MS = 4 * DAY_MS;
export const MAX_HOUR_RANGE_MS = 7 * DAY_MS;
export const MAX_RANGE_MS = 3 * 366 * DAY_MS;
export const DEFAULT_CURRENCY = 'EUR';

/** Start (ms, UTC) of the bucket holding `ms`. */
export function bucketStart(ms: number, granularity: Granularity): number {
  switch (granularity) {
    case 'hour':
      return ms - (((ms % HOUR_MS) + HOUR_MS) % HOUR_MS);
    case 'day':
      return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
    case 'week': {
      const day = bucketStart(ms, 'day');
      const weekMs = 7 * DAY_MS;
      return day - ((((day - FIRST_MONDAY_MS) % weekMs) + weekMs) % weekMs);
    }
    case 'month': {
      const d = new Date(ms);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
  }
}

export function nextBucket(start: number, granularity: Granularity): number {
  switch (granularity) {
    case 'hour':
      return start + HOUR_MS;
    case 'day':
      return start + DAY_MS;
    case 'week':
      return start + 7 * DAY_MS;
    case 'month': {
      const d = new Date(start);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
  }
}

/** The buckets covering [from, to): the first may start before `from` (only events from `from` count). */
export function bucketsOf(from: number, to: number, granularity: Granularity): number[] {
  const out: number[] = [];
  for (let start = bucketStart(from, granularity); start < to; start = nextBucket(start, granularity)) {
    out.push(start);
  }
  return out;
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export interface PlatformDelivery {
  delivered: number;
  failed: number;
  dead: number;
  skipped: number;
  pending: number;
  /** delivered / (delivered + failed + dead); null when none of those. */
  successRate: number | null;
}

export interface StatsFigures {
  events: number;
  eventsByName: Record<string, number>;
  purchases: number;
  pageVisits: number;
  /** purchases / pageVisits; null without page visits. */
  conversionRate: number | null;
  revenue: number;
  /** Purchase values in currencies without an ECB rate, by currency, not included in `revenue`. */
  unconvertedRevenue: Record<string, number>;
  delivery: Record<string, PlatformDelivery>;
}

export interface StatsBucket extends StatsFigures {
  start: string;
  end: string;
}

export interface StatsResult {
  currency: string;
  granularity: Granularity;
  from: string;
  to: string;
  timezone: 'UTC';
  ratesDate: string | null;
  totals: StatsFigures;
  buckets: StatsBucket[];
}

interface Accumulator {
  events: number;
  eventsByName: Map<string, number>;
  revenue: number;
  unconverted: Map<string, number>;
  delivery: Map<string, Map<string, number>>;
}

function emptyAccumulator(): Accumulator {
  return { events: 0, eventsByName: new Map(), revenue: 0, unconverted: new Map(), delivery: new Map() };
}

function add(map: Map<string, number>, key: string, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}

function merge(into: Accumulator, from: Accumulator): void {
  into.events += from.events;
  for (const [k, v] of from.eventsByName) add(into.eventsByName, k, v);
  into.revenue += from.revenue;
  for (const [k, v] of from.unconverted) add(into.unconverted, k, v);
  for (const [type, statuses] of from.delivery) {
    const target = into.delivery.get(type) ?? new Map<string, number>();
    for (const [status, n] of statuses) add(target, status, n);
    into.delivery.set(type, target);
  }
}

function figures(acc: Accumulator): StatsFigures {
  const purchases = acc.eventsByName.get('Purchase') ?? 0;
  const pageVisits = acc.eventsByName.get('PageVisit') ?? 0;
  const delivery: Record<string, PlatformDelivery> = {};
  for (const [type, statuses] of [...acc.delivery].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const count = (status: string): number => statuses.get(status) ?? 0;
    const delivered = count('delivered');
    const failed = count('failed');
    const dead = count('dead');
    const final = delivered + failed + dead;
    delivery[type] = {
      delivered,
      failed,
      dead,
      skipped: count('skipped'),
      pending: count('pending'),
      successRate: final > 0 ? round(delivered / final, 4) : null,
    };
  }
  return {
    events: acc.events,
    eventsByName: Object.fromEntries([...acc.eventsByName].sort(([a], [b]) => (a < b ? -1 : 1))),
    purchases,
    pageVisits,
    conversionRate: pageVisits > 0 ? round(purchases / pageVisits, 4) : null,
    revenue: round(acc.revenue, 2),
    unconvertedRevenue: Object.fromEntries([...acc.unconverted].map(([k, v]) => [k, round(v, 2)])),
    delivery,
  };
}

export interface StatsQuery {
  orgId: string;
  domainId: string | null;
  granularity: Granularity;
  from: number;
  to: number;
  /** Requested target currency (validated against the rate table by the caller). */
  currency?: string | undefined;
}

/**
 * The store currency when the request names none: the currency of most of the org's Purchases in the 90
 * days before `to` (among those with an ECB rate), else EUR.
 */
export async function storeCurrency(
  db: DB,
  dialect: Dialect,
  rates: RateTable,
  scope: { orgId: string; domainId: string | null; to: number },
): Promise<string> {
  const used = await purchaseCurrencies(db, dialect, {
    orgId: scope.orgId,
    domainId: scope.domainId,
    from: scope.to - 90 * DAY_MS,
    to: scope.to,
  });
  return used.find((u) => rates.supports(u.currency))?.currency ?? DEFAULT_CURRENCY;
}

export async function computeStats(
  db: DB,
  dialect: Dialect,
  rates: RateTable,
  query: StatsQuery,
): Promise<StatsResult> {
  const currency =
    query.currency ??
    (await storeCurrency(db, dialect, rates, { orgId: query.orgId, domainId: query.domainId, to: query.to }));
  const baseMs = query.granularity === 'hour' ? HOUR_MS : DAY_MS;
  const scope: StatsScope = {
    orgId: query.orgId,
    domainId: query.domainId,
    from: query.from,
    to: query.to,
    bucketMs: baseMs,
  };
  const [eventRows, revenueRows, deliveryRows] = await Promise.all([
    eventCountsByBucket(db, scope),
    purchaseValueByBucket(db, dialect, scope),
    deliveryCountsByBucket(db, scope),
  ]);

  const starts = bucketsOf(query.from, query.to, query.granularity);
  const buckets = new Map<number, Accumulator>(starts.map((s) => [s, emptyAccumulator()]));
  const bucketFor = (base: number): Accumulator => {
    const start = bucketStart(base, query.granularity);
    let acc = buckets.get(start);
    if (!acc) {
      acc = emptyAccumulator();
      buckets.set(start, acc);
    }
    return acc;
  };

  for (const row of eventRows) {
    const acc = bucketFor(row.bucket);
    acc.events += row.count;
    add(
      acc.eventsByName,
      row.eventName === 'Custom' && row.customEventName ? row.customEventName : row.eventName,
      row.count,
    );
  }
  for (const row of revenueRows) {
    const acc = bucketFor(row.bucket);
    // A value without a currency is taken to be in the store currency.
    const from = row.currency ?? currency;
    const converted = rates.convert(row.value, from, currency, isoDay(row.bucket));
    if (converted === undefined) add(acc.unconverted, from, row.value);
    else acc.revenue += converted;
  }
  for (const row of deliveryRows) {
    const acc = bucketFor(row.bucket);
    const statuses = acc.delivery.get(row.type) ?? new Map<string, number>();
    add(statuses, row.status, row.count);
    acc.delivery.set(row.type, statuses);
  }

  const totals = emptyAccumulator();
  const ordered = [...buckets.keys()].sort((a, b) => a - b);
  const out: StatsBucket[] = ordered.map((start) => {
    const acc = buckets.get(start)!;
    merge(totals, acc);
    return {
      start: new Date(start).toISOString(),
      end: new Date(nextBucket(start, query.granularity)).toISOString(),
      ...figures(acc),
    };
  });
  return {
    currency,
    granularity: query.granularity,
    from: new Date(query.from).toISOString(),
    to: new Date(query.to).toISOString(),
    timezone: 'UTC',
    ratesDate: rates.latestDate,
    totals: figures(totals),
    buckets: out,
  };
}

const DEFAULT_BUCKETS: Record<Granularity, number> = { hour: 24, day: 30, week: 12, month: 12 };

/** Without from/to: the last 24 hours, 30 days, 12 weeks or 12 months, the current bucket included. */
export function defaultRange(
  now: number,
  granularity: Granularity,
  given: { from?: number | undefined; to?: number | undefined },
): { from: number; to: number } {
  const to = given.to ?? nextBucket(bucketStart(now, granularity), granularity);
  if (given.from !== undefined) return { from: given.from, to };
  let from = bucketStart(to - 1, granularity);
  for (let i = 1; i < DEFAULT_BUCKETS[granularity]; i += 1) from = bucketStart(from - 1, granularity);
  return { from, to };
}
