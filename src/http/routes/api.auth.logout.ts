import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { auditBy } from '../../management/audit.js';
import { revokePluginSession, revokeUserPluginSessions } from '../../storage/repos/plugin-sessions.js';
import { pluginAuth, requirePluginJwt } from '../auth/plugin-jwt.js';
import type { App } from '../types.js';

const LogoutResponse = Type.Object({
  success: Type.Literal(true),
  revoked: Type.Integer({ description: 'Plugin sessions ended' }),
  message: Type.String(),
});

export function registerApiAuthLogout(app: App, deps: AppDeps): void {
  app.post(
    '/api/auth/logout',
    {
      preHandler: requirePluginJwt(deps),
      schema: {
        description: 'Ends this plugin session: its JWT and refresh token stop working at once.',
        response: { 200: LogoutResponse },
      },
    },
    async (request) => {
      const auth = pluginAuth(request);
      const revoked = await revokePluginSession(deps.storage.db, auth.sessionId, deps.clock.now());
      return { success: true as const, revoked, message: 'Logged out' };
    },
  );

  app.post(
    '/api/auth/logout-all',
    {
      preHandler: requirePluginJwt(deps),
      schema: {
        description:
          'Ends every plugin session of this user in this organization (no password needed: a lost or ' +
          'leaked plugin token is cut off from any of them). Audited.',
        response: { 200: LogoutResponse },
      },
    },
    async (request) => {
      const auth = pluginAuth(request);
      const now = deps.clock.now();
      const revoked = await deps.storage.db.transaction().execute(async (trx) => {
        const n = await revokeUserPluginSessions(trx, { userId: auth.userId, orgId: auth.orgId, now });
        await auditBy(
          trx,
          { type: 'user', id: auth.userId, ip: request.ip },
          {
            orgId: auth.orgId,
            action: 'plugin.logout_all',
            targetType: 'user',
            targetId: auth.userId,
            details: { revoked: n, via: 'plugin' },
            at: now,
          },
        );
        return n;
      });
      return { success: true as const, revoked, message: 'Every plugin session was logged out' };
    },
  );
}
