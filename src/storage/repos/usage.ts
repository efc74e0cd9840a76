import { type OnConflictBuilder, sql } from 'kysely';
import { dayOf } from '../../lib/clock.js';
import type { DB } from '../db.js';
import type { Database } from '../schema.js';

export interface MonthPeriod {
  readonly start: number;
  readonly end: number;
  readonly startDay: string;
  readonly endDay: string;
}
/** The last period `monthPeriod` built: the quota check asks for the current month on every request. */
let lastPeriod: MonthPeriod | null = null;

/** Billing periods are calendar months in UTC: [start, end). */
export function monthPeriod(ms: number): MonthPeriod {
  if (lastPeriod && ms >= lastPeriod.start && ms < lastPeriod.end) return lastPeriod;
  const d = new Date(ms);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  lastPeriod = Object.freeze({ start, end, startDay: dayOf(start), endDay: dayOf(end) });
  return lastPeriod;
}

export interface UsageIncrement {
  orgId: string;
  day: string;
  requests: number;
  events: number;
}

/**
 * Adds to the daily counters. The outbox's group commits add theirs in their own prepared statements, in the
 * transaction that stores the events (storage/outbox-sqlite.ts, storage/outbox-postgres.ts); this is the
 * plain form, for callers outside the ingest path.
 */
export async function addUsage(db: DB, increments: UsageIncrement[]): Promise<void> {
  for (const inc of increments) {
    await db
      .insertInto('usage_daily')
      .values({ org_id: inc.orgId, day: inc.day, requests: inc.requests, events: inc.events })
      .onConflict(addToUsage)
      .execute();
  }
}

/** The ON CONFLICT of every insert into `usage_daily`: an org's day that exists is added to. */
export function addToUsage(oc: OnConflictBuilder<Database, 'usage_daily'>) {
  return oc.columns(['org_id', 'day']).doUpdateSet({
    requests: sql`usage_daily.requests + excluded.requests`,
    events: sql`usage_daily.events + excluded.events`,
  });
}

export async function periodUsage(
  db: DB,
  orgId: string,
  now: number,
): Promise<{ requests: number; events: number }> {
  const period = monthPeriod(now);
  const row = await db
    .selectFrom('usage_daily')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>('requests'), sql<number>`0`).as('requests'),
      eb.fn.coalesce(eb.fn.sum<number>('events'), sql<number>`0`).as('events'),
    ])
    .where('org_id', '=', orgId)
    .where('day', '>=', period.startDay)
    .where('day', '<', period.endDay)
    .executeTakeFirst();
  return { requests: Number(row?.requests ?? 0), events: Number(row?.events ?? 0) };
}

/** Per-day counters of an org for `[fromDay, toDay]` (inclusive, YYYY-MM-DD); days without traffic are absent. */
export async function dailyUsage(
  db: DB,
  orgId: string,
  fromDay: string,
  toDay: string,
): Promise<{ day: string; requests: number; events: number }[]> {
  const rows = await db
    .selectFrom('usage_daily')
    .select(['day', 'requests', 'events'])
    .where('org_id', '=', orgId)
    .where('day', '>=', fromDay)
    .where('day', '<=', toDay)
    .orderBy('day')
    .execute();
  return rows.map((r) => ({ day: r.day, requests: Number(r.requests), events: Number(r.events) }));
}
