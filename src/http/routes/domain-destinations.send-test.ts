import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { checkDestinations } from '../../management/domains/destination-check.js';
import { getDomainDestination } from '../../storage/repos/domain-admin.js';
import { auditUserWrite, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';
import { DestinationParamsSchema } from './domain-destinations.update.js';

export const DestinationTestResponse = Type.Object({
  ok: Type.Boolean({ description: 'The platform accepted the test event.' }),
  statusCode: Type.Union([Type.Integer(), Type.Null()], { description: 'The platform’s HTTP status.' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'The platform’s own error message.' }),
  testMode: Type.Literal(true, { description: 'Always sent in the platform’s test mode.' }),
  credentialsRejected: Type.Boolean({
    description: 'The platform refused the credentials: the destination is now needs_attention.',
  }),
});

export function registerDomainDestinationsSendTest(app: App, deps: AppDeps): void {
  app.post(
    '/v1/domains/:id/destinations/:destinationId/test',
    {
      preHandler: sessionRole(deps, 'member'),
      schema: {
        description:
          'Sends one synthetic page-visit event through the destination in the platform’s test mode and reports the platform’s answer. Nothing is stored as an event.',
        params: DestinationParamsSchema,
        response: { 200: DestinationTestResponse },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await loadOrgDomain(deps, orgId, request.params.id);
      const { db } = deps.storage;
      const row = await getDomainDestination(db, orgId, domain.id, request.params.destinationId);
      if (!row) {
        throw new ApiError('not_found', `No destination ${request.params.destinationId}`, {
          id: request.params.destinationId,
        });
      }
      const now = deps.clock.now();
      const results = await checkDestinations({ config: deps.config, sealer: deps.sealer, db, now }, domain, [
        row,
      ]);
      const result = results.get(row.id)!;
      await auditUserWrite(deps, request, {
        action: 'destination.test',
        targetType: 'destination',
        targetId: row.id,
        details: { domainId: domain.id, type: row.type, ok: result.ok, statusCode: result.statusCode },
      });
      return { ...result, testMode: true as const };
    },
  );
}
