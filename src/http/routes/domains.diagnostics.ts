import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { identifiersOf } from '../../destinations/match-quality.js';
import { DiagnosticsReportSchema, diagnosticsReport } from '../../ingest/diagnostics-report.js';
import { diagnosticsRange } from '../../public-api/query.js';
import { DomainParamsSchema, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export const DiagnosticsQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({ description: 'ISO date or date-time (inclusive). Default: 7 days ago.' }),
    ),
    to: Type.Optional(
      Type.String({ description: 'ISO date (through its end) or date-time (exclusive). Default: now.' }),
    ),
  },
  { additionalProperties: false },
);

export function registerDomainsDiagnostics(app: App, deps: AppDeps): void {
  app.get(
    '/v1/domains/:id/diagnostics',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description:
          'Match quality and deduplication of the domain’s events over a range: identifier coverage and mean match score per destination, the share of purchases with a click id, how many events arrived from both browser and server, and warnings to act on.',
        params: DomainParamsSchema,
        querystring: DiagnosticsQuery,
        response: { 200: DiagnosticsReportSchema },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await loadOrgDomain(deps, orgId, request.params.id);
      const range = diagnosticsRange(deps.clock.now(), request.query);
      return diagnosticsReport(deps.storage.db, { orgId, domainId: domain.id, ...range, identifiersOf });
    },
  );
}
