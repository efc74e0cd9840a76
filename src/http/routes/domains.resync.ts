import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { postJsonToUserUrl } from '../../lib/safe-url.js';
import { getDomainCallback, openCallbackToken } from '../../storage/repos/domain-callbacks.js';
import { auditUserWrite, DomainParamsSchema, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

export const ResyncResponse = Type.Object({
  ok: Type.Boolean({ description: 'The shop answered 2xx: it will push its configuration again.' }),
  url: Type.Union([Type.String(), Type.Null()], { description: 'The registered callback URL.' }),
  statusCode: Type.Union([Type.Integer(), Type.Null()], { description: 'The shop’s HTTP status.' }),
  error: Type.Union([Type.String(), Type.Null()]),
  durationMs: Type.Integer(),
});

// The shop's server is often slow (WordPress): wait a while, but not as long as a platform call may take.
const RESYNC_TIMEOUT_MS = 15_000;

export function registerDomainsResync(app: App, deps: AppDeps): void {
  app.post(
    '/v1/domains/:id/resync',
    {
      preHandler: sessionRole(deps, 'member'),
      schema: {
        description:
          'Asks the shop to push its configuration again: POSTs to the callback URL the plugin registered, with its token as Authorization: Bearer, and reports the answer.',
        params: DomainParamsSchema,
        response: { 200: ResyncResponse },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await loadOrgDomain(deps, orgId, request.params.id);
      const callback = await getDomainCallback(deps.storage.db, orgId, domain.id);
      const result = callback
        ? await postJsonToUserUrl(callback.url, {
            headers: { authorization: `Bearer ${openCallbackToken(deps.sealer, callback)}` },
            body: {
              action: 'resync',
              domain_id: domain.id,
              proxy_hostname: domain.host,
              requested_at: new Date(deps.clock.now()).toISOString(),
            },
            timeoutMs: Math.min(deps.config.delivery.requestTimeoutMs, RESYNC_TIMEOUT_MS),
            policy: { allowPrivate: deps.config.management.allowPrivateNetworkTargets },
          })
        : {
            ok: false,
            statusCode: null,
            error: 'The shop has not registered a resync callback (the plugin does so when it is activated)',
            durationMs: 0,
          };
      await auditUserWrite(deps, request, {
        action: 'domain.resync',
        targetType: 'domain',
        targetId: domain.id,
        details: { ok: result.ok, statusCode: result.statusCode },
      });
      return { ...result, url: callback?.url ?? null };
    },
  );
}
