import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { ReconciliationReportSchema, reconcile } from '../../orders/reconciliation.js';
import { readDomainScope } from '../../public-api/domain-scope.js';
import { API_ERROR_RESPONSES, API_TAG, BEARER_SECURITY } from '../../public-api/schemas.js';
import { requireApiKey, withoutCors } from '../auth/api-key.js';
import type { App } from '../types.js';
import { ReconciliationQuery, reconciliationRange } from './domains.reconciliation.js';

export const ApiReconciliationQuery = Type.Object(
  {
    ...ReconciliationQuery.properties,
    domainId: Type.Optional(
      Type.String({ maxLength: 100, description: 'The domain (required for org-wide keys).' }),
    ),
  },
  { additionalProperties: false },
);

export function registerApiReconciliation(app: App, deps: AppDeps): void {
  app.get(
    '/api/v1/reconciliation',
    {
      onRequest: requireApiKey(deps, 'reconciliation:read'),
      onSend: withoutCors,
      schema: {
        summary: 'Orders against destination outcomes',
        description:
          'Every paid order the shop reported in the range, against every destination of the domain: delivered, pending, failed (the platform’s message), skipped (the reason) or never sent, with coverage in % of orders and revenue. Requires reconciliation:read.',
        tags: [API_TAG],
        security: BEARER_SECURITY,
        querystring: ApiReconciliationQuery,
        response: { 200: ReconciliationReportSchema, ...API_ERROR_RESPONSES },
      },
    },
    async (request) => {
      const auth = request.apiKey!;
      const domainId = await readDomainScope(deps.storage.db, auth, request.query.domainId);
      if (domainId === undefined) {
        throw new ApiError('validation_failed', 'domainId is required for a key of every domain', {
          field: 'domainId',
          reason: 'required',
        });
      }
      const range = reconciliationRange(deps.clock.now(), request.query);
      return (await reconcile(deps, { orgId: auth.orgId, domainId, ...range })).report;
    },
  );
}
