/**
 * The oldest event time an entry point takes (EVENT_MAX_AGE_DAYS). Meta, TikTok, Pinterest, Reddit and
 * Microsoft refuse events older than 7 days, so an older one is stored, queued and then given up without a
 * single useful attempt; a year-2001 timestamp is a bug or a probe. Refused at the door instead (400
 * invalid_payload naming the event), so the sender learns it. The public API keeps its own, narrower
 * window ([now − 86400, now + 300], src/public-api/ingest.ts).
 */
import { ApiError } from '../errors.js';
import type { EventRefusal, PrepareEvents } from './accept.js';
import type { PreparedEvent } from './prepare.js';

/**
 * `prepare` with every prepared event's time checked against `maxAgeSeconds` before `now`. The time is
 * the one stored (for PMW, the platform member's), so every body shape is judged the same way.
 */
export function withEventAgeBound(
  prepare: PrepareEvents,
  maxAgeSeconds: number,
  field: (index: number) => string,
): PrepareEvents {
  return async (now, options) => {
    const prepared = await prepare(now, options);
    const oldest = Math.floor(now / 1000) - maxAgeSeconds;
    prepared.forEach((item: PreparedEvent | EventRefusal, index) => {
      if (!('event' in item) || item.event.event_time >= oldest) return;
      const days = Math.round(maxAgeSeconds / 86_400);
      throw new ApiError(
        'invalid_payload',
        `${field(index)} is more than ${days} days in the past; platforms refuse such events (EVENT_MAX_AGE_DAYS)`,
        { field: field(index), index },
      );
    });
    return prepared;
  };
}
