/**
 * The dashboard overview's one query: an org's events per domain and UTC day since `since30d`, with how many
 * of each group arrived since `since24h` and since `since30d`. One grouped query over the (org_id,
 * received_at) index; the day is integer division of the millisecond time on both dialects.
 */
import { sql } from 'kysely';
import { DAY_MS } from '../../lib/clock.js';
import type { DB } from '../db.js';

export interface DomainDayCount {
  domain_id: string;
  /** Days since the epoch (UTC). */
  day: number;
  n: number;
  recent: number | null;
  month: number | null;
}

export function eventsPerDomainDay(
  db: DB,
  input: { orgId: string; since24h: number; since30d: number },
): Promise<DomainDayCount[]> {
  const { orgId, since24h, since30d } = input;
  return (
    db
      .selectFrom('events')
      .select([
        'domain_id',
        sql<number>`received_at / ${sql.raw(String(DAY_MS))}`.as('day'),
        sql<number>`count(*)`.as('n'),
        sql<number>`sum(case when received_at >= ${since24h} then 1 else 0 end)`.as('recent'),
        sql<number>`sum(case when received_at >= ${since30d} then 1 else 0 end)`.as('month'),
      ])
      .where('org_id', '=', orgId)
      // The rolling 30 days reach into the day before the chart's first day.
      .where('received_at', '>=', since30d)
      .groupBy(['domain_id', sql`received_at / ${sql.raw(String(DAY_MS))}`])
      .execute()
  );
}
