/**
 * Diagnostics storage (issue 9 §4): marking events whose event id arrived from both paths, and the figures
 * of a domain's diagnostics report, counted in SQL over a time range (no per-event rows leave the database).
 */
import { type Expression, type SqlBool, sql } from 'kysely';
import type { DB } from '../db.js';
import { dedupKey } from '../dedup-key.js';
import { hourOf, UNMEASURED } from '../delivery-counts.js';
import { dedupName } from '../outbox-group.js';

/** Sources whose events come from the shopper's browser; the others come from the shop's servers. */
export const BROWSER_SOURCES = ['PMW', 'PIXEL'] as const;

/** `events.diagnostics` bit set on a stored event when its event id also arrived from the other path. */
const PAIRED_BIT = 128;

export interface DuplicateArrival {
  domainId: string;
  eventName: string;
  customEventName: string | null;
  eventId: string;
  /** The duplicate came from the browser path (PMW, pixel). */
  fromBrowser: boolean;
}

/**
 * A duplicate was answered (the event is stored once): when it came from the other path than the stored
 * event, the stored one is marked paired — the same event id from browser and server, which is what lets
 * every platform deduplicate the two.
 */
export async function markPairedAcrossPaths(db: DB, arrivals: readonly DuplicateArrival[]): Promise<void> {
  for (const fromBrowser of [true, false]) {
    const batch = arrivals.filter((a) => a.fromBrowser === fromBrowser);
    for (let i = 0; i < batch.length; i += 200) {
      const chunk = batch.slice(i, i + 200);
      await db
        .updateTable('events')
        .set({ diagnostics: sql<number>`diagnostics | ${sql.lit(PAIRED_BIT)}` })
        .where((eb) => {
          const stored = eb
            .selectFrom('dedup_keys as k')
            .select('k.event_pk')
            .where(
              'k.key',
              'in',
              chunk.map((a) => dedupKey(a.domainId, dedupName(a.eventName, a.customEventName), a.eventId)),
            );
          const otherPath = fromBrowser
            ? eb('source', 'not in', [...BROWSER_SOURCES])
            : eb('source', 'in', [...BROWSER_SOURCES]);
          return eb.and([eb('id', 'in', stored), otherPath]);
        })
        .execute();
    }
  }
}

export interface DiagnosticsRange {
  orgId: string;
  /** One domain, or every domain of the org. */
  domainId?: string | undefined;
  /** received_at ≥ from (ms). */
  from: number;
  /** received_at < to (ms). */
  to: number;
}

export interface EventDiagnosticCounts {
  events: number;
  browserEvents: number;
  purchases: number;
  /** Events with each diagnostics bit set, by bit value. */
  flagged: Record<number, number>;
  purchasesWithClickId: number;
}

const count = (expression: Expression<SqlBool> | ReturnType<typeof sql<boolean>>) =>
  sql<number>`sum(case when ${expression} then 1 else 0 end)`;

/** The domain's events in the range, counted by diagnostics flag (one query, the events' own index). */
export async function countEventDiagnostics(
  db: DB,
  range: DiagnosticsRange,
  bits: readonly number[],
  clickIdBit: number,
): Promise<EventDiagnosticCounts> {
  const row = await db
    .selectFrom('events')
    .select((eb) => [
      sql<number>`count(*)`.as('events'),
      count(eb('source', 'in', [...BROWSER_SOURCES])).as('browser_events'),
      count(eb('event_name', '=', 'Purchase')).as('purchases'),
      count(
        eb.and([
          eb('event_name', '=', 'Purchase'),
          sql<boolean>`(diagnostics & ${sql.lit(clickIdBit)}) <> 0`,
        ]),
      ).as('purchases_with_click_id'),
      ...bits.map((bit) => count(sql<boolean>`(diagnostics & ${sql.lit(bit)}) <> 0`).as(`bit_${bit}`)),
    ])
    .where('org_id', '=', range.orgId)
    .$if(range.domainId !== undefined, (q) => q.where('domain_id', '=', range.domainId!))
    .where('received_at', '>=', range.from)
    .where('received_at', '<', range.to)
    .executeTakeFirstOrThrow();
  const values = row as unknown as Record<string, number | string | null>;
  const n = (key: string) => Number(values[key] ?? 0);
  return {
    events: n('events'),
    browserEvents: n('browser_events'),
    purchases: n('purchases'),
    purchasesWithClickId: n('purchases_with_click_id'),
    flagged: Object.fromEntries(bits.map((bit) => [bit, n(`bit_${bit}`)])),
  };
}

export interface DestinationKeyCounts {
  destinationId: string;
  destinationType: string;
  deliveries: number;
  /** Deliveries that recorded what they carry (sent_keys not null). */
  measured: number;
  /** Deliveries carrying each key, by bit value. */
  withKey: Record<number, number>;
  /** Mean match score of the measured deliveries (null without any). */
  meanScore: number | null;
  skippedForConsent: number;
}

/**
 * Per destination of the domain: how many of its deliveries in the range carried each identifier, from the
 * hourly counters (a delivery counts in the hour of its created_at: the range runs from the start of the
 * hour of `from` to `to`).
 */
export async function countDestinationKeys(
  db: DB,
  range: DiagnosticsRange,
  bits: readonly number[],
): Promise<DestinationKeyCounts[]> {
  const measured = sql<boolean>`sent_keys <> ${sql.lit(UNMEASURED)}`;
  const sumWhen = (condition: ReturnType<typeof sql<boolean>>) =>
    sql<number>`sum(case when ${condition} then n else 0 end)`;
  const rows = await db
    .selectFrom('delivery_counts')
    .select([
      'destination_id',
      'destination_type',
      sql<number>`sum(n)`.as('deliveries'),
      sumWhen(measured).as('measured'),
      sql<number>`sum(score_sum)`.as('score_sum'),
      sql<number>`sum(consent_skips)`.as('consent_skips'),
      ...bits.map((bit) =>
        sumWhen(sql<boolean>`${measured} and (sent_keys & ${sql.lit(bit)}) <> 0`).as(`bit_${bit}`),
      ),
    ])
    .where('org_id', '=', range.orgId)
    .$if(range.domainId !== undefined, (q) => q.where('domain_id', '=', range.domainId!))
    .where('hour', '>=', hourOf(range.from))
    .where('hour', '<', range.to)
    .groupBy(['destination_id', 'destination_type'])
    .having(sql`sum(n)`, '>', 0)
    .orderBy('destination_type')
    .execute();
  return rows.map((row) => {
    const values = row as unknown as Record<string, number | string | null>;
    const n = (key: string) => Number(values[key] ?? 0);
    return {
      destinationId: row.destination_id,
      destinationType: row.destination_type,
      deliveries: n('deliveries'),
      measured: n('measured'),
      withKey: Object.fromEntries(bits.map((bit) => [bit, n(`bit_${bit}`)])),
      // A delivery records its score with what it carries: the measured ones are the scored ones.
      meanScore: n('measured') === 0 ? null : n('score_sum') / n('measured'),
      skippedForConsent: n('consent_skips'),
    };
  });
}
