/** Query-string values of the public API that JSON Schema cannot check alone: ISO times and cursors. */
import { ApiError } from '../errors.js';
import { DAY_MS } from '../lib/clock.js';
import { decodePageCursor, encodePageCursor } from '../lib/page-cursor.js';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `from`/`to` as epoch ms. A date (2026-04-01) is that UTC day: from its start for `from`, through its end
 * for `to` (so from=2026-04-01&to=2026-04-30 is all of April). A date-time needs its offset (Z or ±hh:mm);
 * `to` as a date-time is exclusive.
 */
export function parseTimeBound(value: string, field: 'from' | 'to'): number {
  const date = DATE_ONLY.exec(value);
  if (date) {
    const ms = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    if (new Date(ms).toISOString().slice(0, 10) !== value) invalid(field, value);
    return field === 'to' ? ms + DAY_MS : ms;
  }
  if (DATE_TIME.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  return invalid(field, value);
}

function invalid(field: string, value: string): never {
  throw new ApiError(
    'validation_failed',
    `${field} must be an ISO date (2026-04-01) or date-time with offset (2026-04-01T10:00:00Z), got "${value}"`,
    { field },
  );
}

export interface EventCursor {
  receivedAt: number;
  id: string;
}

/** Opaque to clients; it only names a position, the org and filters come from the request. */
export function encodeEventCursor(cursor: EventCursor): string {
  return encodePageCursor({ at: cursor.receivedAt, id: cursor.id });
}

export function decodeEventCursor(value: string): EventCursor {
  const position = decodePageCursor(value, 'evt');
  if (!position) {
    throw new ApiError('validation_failed', 'cursor is not valid: pass pagination.nextCursor unchanged', {
      field: 'cursor',
    });
  }
  return { receivedAt: position.at, id: position.id };
}

/** Diagnostics cover a week unless told otherwise, and at most 92 days (the counts scan the range). */
const DIAGNOSTICS_DEFAULT_MS = 7 * DAY_MS;
const DIAGNOSTICS_MAX_MS = 92 * DAY_MS;

export function diagnosticsRange(
  now: number,
  query: { from?: string | undefined; to?: string | undefined },
): { from: number; to: number } {
  const to = query.to !== undefined ? parseTimeBound(query.to, 'to') : now;
  const from = query.from !== undefined ? parseTimeBound(query.from, 'from') : to - DIAGNOSTICS_DEFAULT_MS;
  if (from >= to) throw new ApiError('validation_failed', 'from must be before to', { field: 'from' });
  if (to - from > DIAGNOSTICS_MAX_MS) {
    throw new ApiError('validation_failed', 'a diagnostics range is at most 92 days', { field: 'from' });
  }
  return { from, to };
}
