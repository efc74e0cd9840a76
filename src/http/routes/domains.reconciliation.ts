import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { DAY_MS } from '../../lib/clock.js';
import { ReconciliationReportSchema, reconcile } from '../../orders/reconciliation.js';
import { parseTimeBound } from '../../public-api/query.js';
import { DomainParamsSchema, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export const ReconciliationQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        description: 'Orders placed from: ISO date or date-time (inclusive). Default: 7 days ago.',
      }),
    ),
    to: Type.Optional(
      Type.String({ description: 'ISO date (through its end) or date-time (exclusive). Default: now.' }),
    ),
  },
  { additionalProperties: false },
);

/** `from`/`to` of a reconciliation query (default: the last 7 days). */
export function reconciliationRange(
  now: number,
  query: { from?: string | undefined; to?: string | undefined },
): { from: number; to: number } {
  const to = query.to !== undefined ? parseTimeBound(query.to, 'to') : now;
  const from = query.from !== undefined ? parseTimeBound(query.from, 'from') : to - 7 * DAY_MS;
  return { from, to };
}

export function registerDomainsReconciliation(app: App, deps: AppDeps): void {
  app.get(
    '/v1/domains/:id/reconciliation',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description:
          'Every paid order the shop reported (order webhooks) in the range, against every destination of the domain: delivered, pending, failed with the platform’s message, skipped with the reason, or never sent; coverage in % of orders and of revenue, and the orders some destination is missing.',
        params: DomainParamsSchema,
        querystring: ReconciliationQuery,
        response: { 200: ReconciliationReportSchema },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await loadOrgDomain(deps, orgId, request.params.id);
      const range = reconciliationRange(deps.clock.now(), request.query);
      return (await reconcile(deps, { orgId, domainId: domain.id, ...range })).report;
    },
  );
}
