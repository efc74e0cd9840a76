import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { roleAtLeast } from '../../management/orgs/member-rules.js';
import { disconnectChannel } from '../../stores/channels.js';
import { pluginAuth, requirePluginJwt } from '../auth/plugin-jwt.js';
import { Sync2SysError } from '../sync2sys-errors.js';
import type { App } from '../types.js';

export function registerApiStoresDisconnect(app: App, deps: AppDeps): void {
  app.post(
    '/api/stores/disconnect',
    {
      preHandler: requirePluginJwt(deps),
      schema: {
        description:
          'Disconnects the plugin’s store (the channel its session is bound to, or `channelId`): credentials ' +
          'erased, the channel deactivated, every plugin session bound to it (this one too) revoked, the ' +
          'linked domain’s store access removed. Admin role or higher.',
        response: { 200: Type.Object({ success: Type.Literal(true), message: Type.String() }) },
      },
    },
    async (request) => {
      const auth = pluginAuth(request);
      if (!roleAtLeast(auth.role, 'admin')) {
        throw new Sync2SysError(
          403,
          `Disconnecting a store needs the admin role or higher (you are ${auth.role})`,
        );
      }
      // The seed's request has no body; `channelId` may name the channel when the token is bound to none.
      const named = (request.body as { channelId?: unknown } | undefined)?.channelId;
      const channelId =
        auth.channelId ?? (typeof named === 'string' && named.length <= 100 ? named : undefined);
      if (!channelId) throw new Sync2SysError(400, 'No store is bound to this token: name channelId');
      await disconnectChannel(
        deps,
        { type: 'user', id: auth.userId, ip: request.ip },
        { orgId: auth.orgId, channelId },
      );
      return { success: true as const, message: 'Store disconnected' };
    },
  );
}
