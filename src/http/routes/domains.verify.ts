import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { checkDomainDns } from '../../management/domains/dns-verify.js';
import { iso } from '../../management/domains/views.js';
import {
  ensureVerificationToken,
  getLiveDomain,
  markDomainVerified,
} from '../../storage/repos/domain-admin.js';
import { auditUserWrite, DomainParamsSchema, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

const Record = Type.Object({ name: Type.String(), value: Type.String() });

export const VerifyDomainResponse = Type.Object({
  verified: Type.Boolean(),
  method: Type.Union([Type.Literal('cname'), Type.Literal('txt'), Type.Null()], {
    description: 'The record that proved the domain points at Tagbridge.',
  }),
  status: Type.String({ description: 'The domain’s routing status after the check.' }),
  verifiedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expected: Type.Object({ cname: Record, txt: Record }, { description: 'Either record verifies.' }),
  found: Type.Object({
    cname: Type.Array(Type.String(), { description: 'CNAME targets of the proxy host.' }),
    txt: Type.Array(Type.String(), { description: 'TXT values of _tagbridge.<host>.' }),
  }),
  errors: Type.Array(Type.String(), { description: 'Lookups that failed (timeouts, SERVFAIL).' }),
  message: Type.String(),
});

export function registerDomainsVerify(app: App, deps: AppDeps): void {
  app.post(
    '/v1/domains/:id/verify',
    {
      preHandler: sessionRole(deps, 'member'),
      schema: {
        description:
          'Checks DNS: a CNAME of the proxy host to the public hostname, or a TXT record _tagbridge.<host> with the verification token. Success routes a pending_dns domain (status active). The answer says what was found and what was expected.',
        params: DomainParamsSchema,
        response: { 200: VerifyDomainResponse },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await loadOrgDomain(deps, orgId, request.params.id);
      const { db } = deps.storage;
      const token = await ensureVerificationToken(db, domain);
      const check = await checkDomainDns(domain.host, token, {
        publicHostname: deps.config.management.publicHostname,
        servers: deps.config.management.dnsServers,
      });
      let current = domain;
      if (check.verified) {
        const now = deps.clock.now();
        await db.transaction().execute(async (trx) => {
          await markDomainVerified(trx, domain.id, now);
          await auditUserWrite(
            deps,
            request,
            {
              action: 'domain.verify',
              targetType: 'domain',
              targetId: domain.id,
              details: { method: check.method, from: domain.status },
            },
            trx,
          );
        });
        await deps.caches.orgChanged(orgId);
        current = (await getLiveDomain(db, orgId, domain.id)) ?? domain;
      }
      return {
        verified: check.verified,
        method: check.method,
        status: current.status,
        verifiedAt: iso(current.verified_at),
        expected: check.expected,
        found: check.found,
        errors: check.errors,
        message: check.message,
      };
    },
  );
}
