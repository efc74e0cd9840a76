import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { DomainDetailSchema, domainDetail } from '../../management/domains/views.js';
import { findDomainIdByHost } from '../../storage/repos/domain-admin.js';
import { createDomain, isValidHost, normalizeHost } from '../../storage/repos/domains.js';
import { auditUserWrite, sessionRole } from '../auth/org-access.js';
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

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function hostTaken(host: string): ApiError {
  // Whose domain it is stays unsaid: the host may belong to another organization.
  return new ApiError('validation_failed', `host ${host} is already configured`, {
    field: 'host',
    reason: 'host is already configured',
  });
}

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
      const host = normalizeHost(request.body.host);
      if (!isValidHost(host)) {
        throw new ApiError('validation_failed', `host ${host} is not a valid host name`, {
          field: 'host',
          reason: 'not a valid host name',
        });
      }
      const shopUrl = request.body.shopUrl?.trim() || undefined;
      if (shopUrl !== undefined) {
        let valid = /^https?:\/\/[^/]+/i.test(shopUrl);
        try {
          new URL(shopUrl);
        } catch {
          valid = false;
        }
        if (!valid) {
          throw new ApiError('validation_failed', 'shopUrl must be an http(s) URL', {
            field: 'shopUrl',
            reason: 'must be an http(s) URL',
          });
        }
      }
      const now = deps.clock.now();
      let created: Awaited<ReturnType<typeof createDomain>>;
      try {
        created = await deps.storage.db.transaction().execute(async (trx) => {
          if (await findDomainIdByHost(trx, host)) throw hostTaken(host);
          const made = await createDomain(trx, deps.sealer, {
            orgId,
            host,
            shopUrl: shopUrl ?? null,
            ...(request.body.defaultCountry ? { defaultCountry: request.body.defaultCountry } : {}),
            status: 'pending_dns',
            now,
          });
          await auditUserWrite(
            deps,
            request,
            {
              action: 'domain.create',
              targetType: 'domain',
              targetId: made.domain.id,
              details: { host, shopUrl: shopUrl ?? null, defaultCountry: made.domain.default_country },
            },
            trx,
          );
          return made;
        });
      } catch (error) {
        // Two requests adding the same host at once: the unique index decides.
        if (isUniqueViolation(error)) throw hostTaken(host);
        throw error;
      }
      deps.domains.invalidate();
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
