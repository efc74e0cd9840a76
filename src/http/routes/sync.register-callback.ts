import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { checkOutboundUrl } from '../../lib/safe-url.js';
import { audit } from '../../management/audit.js';
import { upsertDomainCallback } from '../../storage/repos/domain-callbacks.js';
import { limitSyncWrites, syncAuth, syncDomain } from '../auth/sync-token.js';
import type { App } from '../types.js';

export const RegisterCallbackBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'The shop’s resync endpoint: https, on a public address.',
    }),
    token: Type.String({
      minLength: 1,
      maxLength: 512,
      description: 'What Tagbridge sends as Authorization: Bearer when it calls the URL (stored sealed).',
    }),
    sync_token: Type.Optional(
      Type.String({ maxLength: 128, description: 'Instead of the Authorization header.' }),
    ),
  },
  { additionalProperties: false },
);

export function registerSyncRegisterCallback(app: App, deps: AppDeps): void {
  app.post(
    '/v1/sync/register-callback',
    {
      preValidation: syncAuth(deps),
      schema: {
        description:
          'The shop plugin registers the URL Tagbridge calls to ask for a new configuration sync (the dashboard’s Resync), and the token to present. Replaces an earlier registration.',
        body: RegisterCallbackBody,
        response: {
          200: Type.Object({ registered: Type.Literal(true), domain_id: Type.String(), url: Type.String() }),
        },
      },
    },
    async (request, reply) => {
      const domain = syncDomain(request);
      await limitSyncWrites(deps, domain, reply);
      if (domain.status === 'deleted') {
        throw new ApiError('not_found', 'This domain was deleted', { domain_id: domain.id });
      }
      const url = request.body.url.trim();
      const check = await checkOutboundUrl(url, {
        allowPrivate: deps.config.management.allowPrivateNetworkTargets,
      });
      if (!check.ok) {
        throw new ApiError('validation_failed', `url is refused: ${check.reason}`, {
          field: 'url',
          reason: check.reason,
        });
      }
      const now = deps.clock.now();
      await deps.storage.db.transaction().execute(async (trx) => {
        await upsertDomainCallback(trx, deps.sealer, {
          domainId: domain.id,
          orgId: domain.org_id,
          url,
          token: request.body.token,
          now,
        });
        await audit(trx, {
          orgId: domain.org_id,
          actorType: 'sync',
          actorId: domain.id,
          action: 'sync.register_callback',
          targetType: 'domain',
          targetId: domain.id,
          details: { url },
          ip: request.ip,
          at: now,
        });
      });
      return { registered: true as const, domain_id: domain.id, url };
    },
  );
}
