import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { CONSENT_DEFAULTS } from '../../ingest/consent.js';
import { updateDomain } from '../../management/domains/update-domain.js';
import { DomainSummarySchema, domainSummary } from '../../management/domains/views.js';
import { DomainParamsSchema, sessionActor, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export const UpdateDomainBody = Type.Object(
  {
    defaultCountry: Type.Optional(
      Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO alpha-2 for national phone numbers.' }),
    ),
    consentDefault: Type.Optional(
      Type.Union(
        CONSENT_DEFAULTS.map((value) => Type.Literal(value)),
        {
          description:
            'Events that carry no consent signal: forward (treated as granted) or deny (held back from ad platforms; for shops whose visitors are in the EU).',
        },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export function registerDomainsUpdate(app: App, deps: AppDeps): void {
  app.patch(
    '/v1/domains/:id',
    {
      preHandler: sessionRole(deps, 'admin'),
      schema: {
        description: "Changes a domain's settings: default country, consent default.",
        params: DomainParamsSchema,
        body: UpdateDomainBody,
        response: { 200: DomainSummarySchema },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await updateDomain(deps, sessionActor(request), {
        orgId,
        domainId: request.params.id,
        ...request.body,
      });
      return domainSummary(domain);
    },
  );
}
