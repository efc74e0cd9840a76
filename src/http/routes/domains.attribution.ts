import type { AppDeps } from '../../app-deps.js';
import {
  AttributionQuerySchema,
  AttributionReportSchema,
  attributionReport,
  reportInput,
} from '../../attribution/report.js';
import { parseTimeBound } from '../../public-api/query.js';
import { DomainParamsSchema, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export function registerDomainsAttribution(app: App, deps: AppDeps): void {
  app.get(
    '/v1/domains/:id/attribution',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description:
          'Attribution of the domain’s orders in the range to the pixel’s touchpoints (click ids, UTM, referrers) of the buyer’s visitors, stitched across devices by e-mail or customer id: per channel, orders and revenue as first click and as last click, and the orders with their first and last touchpoint. No URLs or click id values (personal data). See docs/attribution.md.',
        params: DomainParamsSchema,
        querystring: AttributionQuerySchema,
        response: { 200: AttributionReportSchema },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await loadOrgDomain(deps, orgId, request.params.id);
      const input = reportInput(
        {
          orgId,
          domainId: domain.id,
          now: deps.clock.now(),
          defaultWindowDays: deps.config.pixel.attributionWindowDays,
        },
        request.query,
        parseTimeBound,
      );
      return attributionReport(deps.storage.db, input);
    },
  );
}
