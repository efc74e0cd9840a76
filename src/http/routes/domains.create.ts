import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { createDomain } from '../../management/domains/create-domain.js';
import { DomainDetailSchema, domainDetail } from '../../management/domains/views.js';
import { sessionActor, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export const CreateDomainBody = Type.Object(
  {
    host: Type.String({
      minLength: 1,
      maxLength: 253,
      description: 'The proxy host the shop will CNAME to Tagbridge, e.g. ssp.yourshop.com.',
    }),
    shopUrl: Type.Optional(
      Type.String({ maxLength: 2048, description: 'The shop’s URL; its origin is allowed by CORS.' }),
    ),
    defaultCountry: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z]{2}$',
        description: 'ISO alpha-2 for national phone numbers; default from the shop URL’s TLD, else US.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CreateDomainResponse = Type.Object({
  domain: DomainDetailSchema,
  syncToken: Type.Union([Type.String(), Type.Null()], {
    description:
      'For the shop plugin’s settings. Shown only here (and after regenerate-token); stored hashed. null in an Idempotency-Key replay (see omittedSecrets).',
  }),
  omittedSecrets: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Only in an Idempotency-Key replay: ["syncToken"], shown in the first answer only.',
    }),
  ),
});

export function registerDomainsCreate(app: App, deps: AppDeps): void {
  app.post(
    '/v1/domains',
    {
      preHandler: sessionRole(deps, 'admin'),
      // The sync token is shown in this answer only: an idempotent replay answers it as null, never stores it.
      config: { idempotency: { shownOnce: ['syncToken'] } },
      schema: {
        description:
          'Adds a domain in pending_dns: it is routed once POST /v1/domains/:id/verify finds its DNS record.',
        body: CreateDomainBody,
        response: { 201: CreateDomainResponse },
      },
    },
    async (request, reply) => {
      const { orgId } = orgSession(request);
      const created = await createDomain(deps, sessionActor(request), {
        orgId,
        host: request.body.host,
        shopUrl: request.body.shopUrl,
        defaultCountry: request.body.defaultCountry,
        status: 'pending_dns',
      });
      return reply.status(201).send({
        domain: domainDetail(created.domain, {
          proxyToken: created.proxyToken,
          showProxyToken: true,
          publicHostname: deps.config.management.publicHostname,
          verificationToken: created.domain.verification_token ?? '',
          callback: undefined,
        }),
        syncToken: created.syncToken,
      });
    },
  );
}
