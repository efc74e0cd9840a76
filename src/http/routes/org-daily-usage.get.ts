import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { DAY_MS, dayOf } from '../../lib/clock.js';
import { dailyUsage, monthPeriod } from '../../storage/repos/usage.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

const MAX_DAYS = 366;
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'UTC day, YYYY-MM-DD' });

export const DailyUsageQuery = Type.Object(
  {
    from: Type.Optional({ ...Day, description: 'First day (default: start of the current period)' }),
    to: Type.Optional({ ...Day, description: 'Last day, inclusive (default: today)' }),
  },
  { additionalProperties: false },
);

export const DailyUsageResponse = Type.Object({
  from: Day,
  to: Day,
  days: Type.Array(Type.Object({ day: Day, requests: Type.Integer(), events: Type.Integer() }), {
    description: 'Every day of the range, zeros included, oldest first',
  }),
});

function parseDay(value: string, field: string): number {
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(ms) || dayOf(ms) !== value) {
    throw new ApiError('validation_failed', `${field} is not a calendar day`, { field });
  }
  return ms;
}

export function registerOrgDailyUsageGet(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/daily-usage',
    {
      preHandler: [requireSession(deps), requireRole('viewer')],
      schema: {
        description: `Requests and events per UTC day (for charts), at most ${MAX_DAYS} days per request.`,
        querystring: DailyUsageQuery,
        response: { 200: DailyUsageResponse },
      },
    },
    async (request) => {
      const now = deps.clock.now();
      const from = parseDay(request.query.from ?? monthPeriod(now).startDay, 'from');
      const to = parseDay(request.query.to ?? dayOf(now), 'to');
      if (to < from) throw new ApiError('validation_failed', 'to is before from', { field: 'to' });
      if ((to - from) / DAY_MS + 1 > MAX_DAYS) {
        throw new ApiError('validation_failed', `At most ${MAX_DAYS} days per request`, { field: 'from' });
      }
      const rows = await dailyUsage(deps.storage.db, orgSession(request).orgId, dayOf(from), dayOf(to));
      const byDay = new Map(rows.map((r) => [r.day, r]));
      const days: { day: string; requests: number; events: number }[] = [];
      for (let ms = from; ms <= to; ms += DAY_MS) {
        const day = dayOf(ms);
        const row = byDay.get(day);
        days.push({ day, requests: row?.requests ?? 0, events: row?.events ?? 0 });
      }
      return { from: dayOf(from), to: dayOf(to), days };
    },
  );
}
