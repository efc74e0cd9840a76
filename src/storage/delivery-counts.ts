/**
 * The hourly delivery counters (`delivery_counts`, migration 0013): per destination, hour of creation (a
 * delivery's `created_at`, its event's arrival: the axis every statistic groups by), status and the set of
 * identifiers the delivery carries (`sent_keys`, -1 when not measured), how many deliveries there are, the
 * sum of their match scores, how many were skipped for consent, and the last success. Every writer that
 * creates a delivery or changes its status moves its count in the same transaction, a few upserts per batch;
 * retention deletes rows but never counts, so the counters outlive the rows they counted.
 *
 * Pure (and free of Kysely: the outbox's writer thread loads it): the deltas of a batch, built here, are
 * written by the outbox thread (prepared) and by `repos/delivery-counts.ts` (everything else) with the same
 * upsert, `countsUpsert` there.
 */
import type { BindValue } from './prepared.js';

export const HOUR_MS = 3_600_000;

/** `sent_keys` of a delivery that did not record what it carries (part of the key, so never NULL). */
export const UNMEASURED = -1;

export const COUNT_COLUMNS = [
  'destination_id',
  'hour',
  'status',
  'sent_keys',
  'org_id',
  'domain_id',
  'destination_type',
  'n',
  'score_sum',
  'consent_skips',
  'last_delivered_at',
] as const;
export type CountColumn = (typeof COUNT_COLUMNS)[number];
export type CountDelta = Record<CountColumn, BindValue> & {
  destination_id: string;
  hour: number;
  status: string;
  sent_keys: number;
  n: number;
  score_sum: number;
  consent_skips: number;
  last_delivered_at: number | null;
};

/** What a writer knows of a delivery whose count it moves. */
export interface CountedDelivery {
  org_id: string;
  domain_id: string;
  destination_id: string;
  destination_type: string;
  created_at: number | string;
  sent_keys: number | null;
  match_score: number | null;
}

/** A delivery row as written, in its status. */
export interface CountedRow extends CountedDelivery {
  status: string;
  last_error?: string | null | undefined;
  final_at?: number | string | null | undefined;
}

export function hourOf(ms: number): number {
  return ms - (ms % HOUR_MS);
}

/** The deltas of one batch, merged by counter, so a batch writes each counter once. */
export class CountDeltas {
  /**
   * By destination, hour, status and carried identifiers: nested maps rather than one map keyed by a string
   * made of the four, which cost two strings per delivery moved (~0.6 KB of garbage per drained event).
   */
  private readonly byDestination = new Map<string, Map<number, Map<string, Map<number, CountDelta>>>>();

  /** One delivery more (`sign` 1) or less (-1) in `status`. */
  add(
    d: CountedDelivery,
    status: string,
    sign: 1 | -1,
    consentSkip = false,
    deliveredAt: number | null = null,
  ): this {
    const hour = hourOf(Number(d.created_at));
    const keys = d.sent_keys === null ? UNMEASURED : Number(d.sent_keys);
    const byKeys = inner(inner(inner(this.byDestination, d.destination_id), hour), status);
    let delta = byKeys.get(keys);
    if (!delta) {
      delta = {
        destination_id: d.destination_id,
        hour,
        status,
        sent_keys: keys,
        org_id: d.org_id,
        domain_id: d.domain_id,
        destination_type: d.destination_type,
        n: 0,
        score_sum: 0,
        consent_skips: 0,
        last_delivered_at: null,
      };
      byKeys.set(keys, delta);
    }
    delta.n += sign;
    delta.score_sum += sign * Number(d.match_score ?? 0);
    if (consentSkip) delta.consent_skips += sign;
    if (deliveredAt !== null && (delta.last_delivered_at === null || deliveredAt > delta.last_delivered_at))
      delta.last_delivered_at = deliveredAt;
    return this;
  }

  /** A delivery row counted in its status, with its consent skip and success time. */
  addRow(row: CountedRow): this {
    return this.add(
      row,
      row.status,
      1,
      row.status === 'skipped' && row.last_error === 'consent',
      row.status === 'delivered' && row.final_at != null ? Number(row.final_at) : null,
    );
  }

  /** A delivery row that was in status `from` and now is as it reads. */
  move(row: CountedRow, from: string): this {
    if (from === row.status) return this;
    return this.add(row, from, -1).addRow(row);
  }

  /**
   * The non-empty deltas in key order: concurrent PostgreSQL transactions lock the counters they share in
   * the same order (no deadlock).
   */
  list(): CountDelta[] {
    const keyed: Array<[string, CountDelta]> = [];
    for (const byHour of this.byDestination.values())
      for (const byStatus of byHour.values())
        for (const byKeys of byStatus.values())
          for (const d of byKeys.values())
            if (d.n !== 0 || d.consent_skips !== 0 || d.last_delivered_at !== null)
              keyed.push([countKey(d), d]);
    return keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
  }
}

/** The map `outer` holds under `key`, made empty on first use. */
function inner<K, K2, V>(outer: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let map = outer.get(key);
  if (!map) {
    map = new Map();
    outer.set(key, map);
  }
  return map;
}

/** A counter's key as one string, the order in which every writer locks its counters. */
export function countKey(d: Pick<CountDelta, 'destination_id' | 'hour' | 'status' | 'sent_keys'>): string {
  return `${d.destination_id}\u0000${d.hour}\u0000${d.status}\u0000${d.sent_keys}`;
}
