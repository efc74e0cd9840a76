import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { DomainSummarySchema, domainSummary } from '../../management/domains/views.js';
import { listLiveDomains } from '../../storage/repos/domain-admin.js';
import { sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export function registerDomainsList(app: App, deps: AppDeps): void {
  app.get(
    '/v1/domains',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description: 'The current organization’s domains (deleted ones are not listed).',
        response: { 200: Type.Object({ domains: Type.Array(DomainSummarySchema) }) },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domains = await listLiveDomains(deps.storage.db, orgId);
      return { domains: domains.map(domainSummary) };
    },
  );
}
