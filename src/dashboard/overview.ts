/**
 * What the dashboard's overview needs that no other route answers: per live domain of an org, the events
 * received in the last 24 hours and 30 days and per UTC day over those 30 days, zeros included (the query is
 * storage/repos/overview.ts).
 */

import { DAY_MS } from '../lib/clock.js';
import type { DB } from '../storage/db.js';
import { listLiveDomains } from '../storage/repos/domain-admin.js';
import { eventsPerDomainDay } from '../storage/repos/overview.js';
export const OVERVIEW_DAYS = 30;

export interface DomainOverview {
  id: string;
  host: string;
  status: string;
  events24h: number;
  events30d: number;
  /** Every UTC day of the window, oldest first, zeros included. */
  daily: Array<{ day: string; events: number }>;
}

export async function orgOverview(db: DB, orgId: string, now: number): Promise<DomainOverview[]> {
  const firstDay = Math.floor(now / DAY_MS) - (OVERVIEW_DAYS - 1);
  const since30d = now - OVERVIEW_DAYS * DAY_MS;
  const since24h = now - DAY_MS;
  const domains = await listLiveDomains(db, orgId);
  const byDay = await eventsPerDomainDay(db, { orgId, since24h, since30d });
  return domains.map((domain) => {
    const rows = byDay.filter((r) => r.domain_id === domain.id);
    const perDay = new Map<number, number>();
    let events30d = 0;
    let events24h = 0;
    for (const row of rows) {
      const day = Number(row.day);
      const n = Number(row.n);
      perDay.set(day, (perDay.get(day) ?? 0) + n);
      events24h += Number(row.recent ?? 0);
      events30d += Number(row.month ?? 0);
    }
    const daily = Array.from({ length: OVERVIEW_DAYS }, (_, i) => {
      const day = firstDay + i;
      return { day: new Date(day * DAY_MS).toISOString().slice(0, 10), events: perDay.get(day) ?? 0 };
    });
    return { id: domain.id, host: domain.host, status: domain.status, events24h, events30d, daily };
  });
}
