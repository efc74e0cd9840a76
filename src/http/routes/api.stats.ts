import { type Static, Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { readDomainScope } from '../../public-api/domain-scope.js';
import { FxRates } from '../../public-api/fx/rates.js';
import { EcbRefreshSchedule } from '../../public-api/fx/refresh.js';
import { parseTimeBound } from '../../public-api/query.js';
import { API_ERROR_RESPONSES, API_TAG, BEARER_SECURITY } from '../../public-api/schemas.js';
import {
  computeStats,
  DEFAULT_CURRENCY,
  defaultRange,
  GRANULARITIES,
  MAX_HOUR_RANGE_MS,
  MAX_RANGE_MS,
  type StatsResult,
} from '../../public-api/stats.js';
import { auditApiRead } from '../audit-read.js';
import { requireApiKey, withoutCors } from '../auth/api-key.js';
import type { App } from '../types.js';

export const ApiStatsQuery = Type.Object(
  {
    granularity: Type.Optional(
      Type.Enum([...GRANULARITIES], { default: 'day', description: 'UTC buckets.' }),
    ),
    from: Type.Optional(Type.String({ description: 'ISO date or date-time with offset (inclusive).' })),
    to: Type.Optional(
      Type.String({ description: 'ISO date (through the end of that day) or date-time (exclusive).' }),
    ),
    currency: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z]{3}$',
        description: `Target currency (EUR or an ECB-quoted one). Default: the store currency — the currency of most of the org’s Purchases in the last 90 days, else ${DEFAULT_CURRENCY}.`,
      }),
    ),
    domainId: Type.Optional(
      Type.String({ maxLength: 100, description: 'Only this domain (org-wide keys).' }),
    ),
  },
  { additionalProperties: false },
);

const Count = Type.Integer({ minimum: 0 });

const Figures = {
  events: Count,
  eventsByName: Type.Record(Type.String(), Count, { description: 'Custom events under their own name.' }),
  purchases: Count,
  pageVisits: Count,
  conversionRate: Type.Union([Type.Number(), Type.Null()], {
    description: 'Purchases / PageVisits of the bucket; null without page visits.',
  }),
  revenue: Type.Number({ description: 'Sum of Purchase values in `currency` (ECB rate of each day).' }),
  unconvertedRevenue: Type.Record(Type.String(), Type.Number(), {
    description: 'Purchase values in currencies the ECB does not quote, by currency; not in revenue.',
  }),
  delivery: Type.Record(
    Type.String(),
    Type.Object({
      delivered: Count,
      failed: Count,
      dead: Count,
      skipped: Count,
      pending: Count,
      successRate: Type.Union([Type.Number(), Type.Null()], {
        description: 'delivered / (delivered + failed + dead); null when none is final yet.',
      }),
    }),
    { description: 'Per platform (meta, tiktok, …).' },
  ),
};

export const ApiStatsResponse = Type.Object({
  currency: Type.String({ description: 'The currency of every revenue figure.' }),
  granularity: Type.Enum([...GRANULARITIES]),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  timezone: Type.Literal('UTC'),
  ratesDate: Type.Union([Type.String(), Type.Null()], {
    description: 'Date of the newest ECB reference rates known to the server.',
  }),
  totals: Type.Object(Figures),
  buckets: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      end: Type.String({ format: 'date-time' }),
      ...Figures,
    }),
  ),
});
type ApiStatsResponse = Static<typeof ApiStatsResponse>;

export function registerApiStats(app: App, deps: AppDeps): void {
  const fx = new FxRates(deps.storage.db, deps.clock);
  // The rates refresh runs on nodes that serve HTTP (tests and `inject` never start it), unless switched off:
  // then no node calls out, and the stored rates (at least the shipped table) serve.
  if (deps.config.fxRates.fetch) {
    const refresh = new EcbRefreshSchedule(
      { db: deps.storage.db, clock: deps.clock, fx, log: app.log },
      undefined,
      deps.config.fxRates.url,
    );
    app.addHook('onListen', async () => refresh.start());
    app.addHook('onClose', async () => refresh.stop());
  }

  app.get(
    '/api/v1/stats',
    {
      onRequest: requireApiKey(deps, 'stats:read'),
      onSend: withoutCors,
      schema: {
        summary: 'Aggregated statistics',
        description:
          'Per UTC bucket: events by name, Purchase revenue in one currency (ECB daily reference rates), conversion rate (Purchases / PageVisits) and each platform’s delivery success rate. Buckets follow arrival time. granularity=hour is limited to 7 days. Recorded in the audit log. Requires stats:read.',
        tags: [API_TAG],
        security: BEARER_SECURITY,
        querystring: ApiStatsQuery,
        response: { 200: ApiStatsResponse, ...API_ERROR_RESPONSES },
      },
    },
    async (request): Promise<ApiStatsResponse> => {
      const auth = request.apiKey!;
      const query = request.query;
      const { db, dialect } = deps.storage;
      const granularity = query.granularity ?? 'day';
      const domainId = (await readDomainScope(db, auth, query.domainId)) ?? null;
      const { from, to } = defaultRange(deps.clock.now(), granularity, {
        from: query.from !== undefined ? parseTimeBound(query.from, 'from') : undefined,
        to: query.to !== undefined ? parseTimeBound(query.to, 'to') : undefined,
      });
      if (from >= to) throw new ApiError('validation_failed', 'from must be before to', { field: 'from' });
      if (granularity === 'hour' && to - from > MAX_HOUR_RANGE_MS) {
        throw new ApiError('validation_failed', 'granularity=hour is limited to a range of 7 days', {
          field: 'granularity',
        });
      }
      if (to - from > MAX_RANGE_MS) {
        throw new ApiError('validation_failed', 'The range is limited to 3 years', { field: 'from' });
      }
      const rates = await fx.table();
      const currency = query.currency?.toUpperCase();
      if (currency !== undefined && !rates.supports(currency)) {
        throw new ApiError('validation_failed', `No ECB reference rate for ${currency}`, {
          field: 'currency',
        });
      }
      const stats: StatsResult = await computeStats(db, dialect, rates, {
        orgId: auth.orgId,
        domainId,
        granularity,
        from,
        to,
        currency,
      });
      await auditApiRead(deps, request, {
        action: 'api.stats.read',
        endpoint: 'GET /api/v1/stats',
        filters: {
          granularity,
          from: stats.from,
          to: stats.to,
          currency: stats.currency,
          domainId: query.domainId,
        },
        rowCount: stats.totals.events,
      });
      return stats;
    },
  );
}
