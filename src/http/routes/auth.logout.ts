import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { audit } from '../../management/audit.js';
import { revokeSession } from '../../storage/repos/sessions.js';
import { clearSessionCookie } from '../auth/cookie.js';
import { requireSession, signedInSession } from '../auth/session.js';
import type { App } from '../types.js';

export function registerAuthLogout(app: App, deps: AppDeps): void {
  app.post(
    '/v1/auth/logout',
    {
      // Any signed-in user: no org or role needed to end one's own session.
      preHandler: [requireSession(deps)],
      schema: {
        description: 'Ends the session server-side and clears the sc_session cookie.',
        response: { 204: Type.Null({ description: 'Signed out' }) },
      },
    },
    async (request, reply) => {
      const session = signedInSession(request);
      const now = deps.clock.now();
      await revokeSession(deps.storage.db, session.sessionId, now);
      await audit(deps.storage.db, {
        orgId: session.orgId,
        actorType: 'user',
        actorId: session.userId,
        action: 'auth.logout',
        targetType: 'session',
        targetId: session.sessionId,
        ip: request.ip,
        at: now,
      });
      clearSessionCookie(request, reply);
      return reply.status(204).send(null);
    },
  );
}
