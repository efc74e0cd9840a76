import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { requestSync } from '../../catalogue/channel-sync.js';
import { requireRoomForProducts } from '../../catalogue/product-limit.js';
import { StatusError } from '../../lib/status-error.js';
import { roleAtLeast } from '../../management/orgs/member-rules.js';
import { pluginAuth, requirePluginJwt } from '../auth/plugin-jwt.js';
import { SYNC2SYS_ERROR_SCHEMA, Sync2SysError } from '../sync2sys-errors.js';
import type { App } from '../types.js';

/**
 * `POST /api/sync/run`: the plugin asks for a catalogue sync of its store now (as
 * `POST /v1/store-channels/:id/sync` does for the management API). Refused with 403 `PIM_PRODUCT_LIMIT`
 * while the organization holds as many products as its plan allows.
 */
export function registerApiSyncRun(app: App, deps: AppDeps): void {
  app.post(
    '/api/sync/run',
    {
      preHandler: requirePluginJwt(deps),
      schema: {
        description:
          'Syncs the plugin’s store (the channel its session is bound to, or `channelId`) now: 202, the worker ' +
          'runs it. 403 with `error: "PIM_PRODUCT_LIMIT"` when the organization already holds as many ' +
          'products as its plan allows. Admin role or higher.',
        response: {
          202: Type.Object({ success: Type.Literal(true), message: Type.String() }),
          403: SYNC2SYS_ERROR_SCHEMA,
        },
      },
    },
    async (request, reply) => {
      const auth = pluginAuth(request);
      if (!roleAtLeast(auth.role, 'admin')) {
        throw new Sync2SysError(403, `Syncing a store needs the admin role or higher (you are ${auth.role})`);
      }
      const named = (request.body as { channelId?: unknown } | undefined)?.channelId;
      const channelId =
        auth.channelId ?? (typeof named === 'string' && named.length <= 100 ? named : undefined);
      if (!channelId) throw new Sync2SysError(400, 'No store is bound to this token: name channelId');
      try {
        await requireRoomForProducts(deps.storage.db, deps.config, auth.orgId);
      } catch (error) {
        if (error instanceof StatusError) {
          throw new Sync2SysError(error.statusCode, error.message, error.code ?? undefined);
        }
        throw error;
      }
      const result = await requestSync(deps, { orgId: auth.orgId, channelId, full: false });
      return reply.status(202).send({
        success: true as const,
        message: result.queued ? 'Sync queued' : 'A sync of this store is already running',
      });
    },
  );
}
