import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { identifiersOf } from '../../destinations/match-quality.js';
import { DiagnosticsReportSchema, diagnosticsReport } from '../../ingest/diagnostics-report.js';
import { readDomainScope } from '../../public-api/domain-scope.js';
import { diagnosticsRange } from '../../public-api/query.js';
import { API_ERROR_RESPONSES, API_TAG, BEARER_SECURITY } from '../../public-api/schemas.js';
import { requireApiKey, withoutCors } from '../auth/api-key.js';
import type { App } from '../types.js';
import { DiagnosticsQuery } from './domains.diagnostics.js';

export const ApiDiagnosticsQuery = Type.Object(
  {
    ...DiagnosticsQuery.properties,
    domainId: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'Only this domain (org-wide keys; default: every domain).',
      }),
    ),
  },
  { additionalProperties: false },
);

export function registerApiDiagnostics(app: App, deps: AppDeps): void {
  app.get(
    '/api/v1/diagnostics',
    {
      onRequest: requireApiKey(deps, 'stats:read'),
      onSend: withoutCors,
      schema: {
        summary: 'Match quality and deduplication diagnostics',
        description:
          'Identifier coverage and mean match score per destination, the share of purchases with a click id, events that arrived from both browser and server, and warnings to act on (private or shared IPs, click ids lost between landing page and event, events without identifiers). Requires stats:read.',
        tags: [API_TAG],
        security: BEARER_SECURITY,
        querystring: ApiDiagnosticsQuery,
        response: { 200: DiagnosticsReportSchema, ...API_ERROR_RESPONSES },
      },
    },
    async (request) => {
      const auth = request.apiKey!;
      const domainId = (await readDomainScope(deps.storage.db, auth, request.query.domainId)) ?? undefined;
      const range = diagnosticsRange(deps.clock.now(), request.query);
      return diagnosticsReport(deps.storage.db, { orgId: auth.orgId, domainId, ...range, identifiersOf });
    },
  );
}
