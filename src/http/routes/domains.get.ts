import type { AppDeps } from '../../app-deps.js';
import { DomainDetailSchema, domainDetail } from '../../management/domains/views.js';
import { roleAtLeast } from '../../management/orgs/member-rules.js';
import { ensureVerificationToken } from '../../storage/repos/domain-admin.js';
import { getDomainCallback } from '../../storage/repos/domain-callbacks.js';
import { openProxyToken } from '../../storage/repos/domains.js';
import { DomainParamsSchema, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export function registerDomainsGet(app: App, deps: AppDeps): void {
  app.get(
    '/v1/domains/:id',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description:
          'A domain with its DNS instructions and resync callback. The X-SSP-Token is shown in clear to admins and owners only; the sync token never.',
        params: DomainParamsSchema,
        response: { 200: DomainDetailSchema },
      },
    },
    async (request) => {
      const session = orgSession(request);
      const domain = await loadOrgDomain(deps, session.orgId, request.params.id);
      const { db } = deps.storage;
      return domainDetail(domain, {
        proxyToken: openProxyToken(deps.sealer, domain),
        showProxyToken: roleAtLeast(session.role, 'admin'),
        publicHostname: deps.config.management.publicHostname,
        verificationToken: await ensureVerificationToken(db, domain),
        callback: await getDomainCallback(db, session.orgId, domain.id),
      });
    },
  );
}
