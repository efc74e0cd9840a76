import type { AppDeps } from '../../app-deps.js';
import { WELCOME_PATH } from '../../management/auth/magic-link.js';
import { listLiveDomains } from '../../storage/repos/domain-admin.js';
import { listUserOrgs } from '../../storage/repos/memberships.js';
import { SIGN_IN_PATH, sendHtml, type WelcomeView, welcomePage } from '../auth/pages.js';
import { loadSession } from '../auth/session.js';
import { enforceRateLimit } from '../rate-limit.js';
import type { App } from '../types.js';

export function registerWelcomeGet(app: App, deps: AppDeps): void {
  app.get(
    WELCOME_PATH,
    {
      schema: {
        hide: true,
        description:
          'HTML: where a sign-in lands. The signed-in user, their orgs and each org’s domains, and where to go ' +
          'next; without a session, a redirect (303) to the sign-in page.',
      },
    },
    async (request, reply) => {
      const session = await loadSession(deps, request);
      if (!session) return reply.header('cache-control', 'no-store').redirect(SIGN_IN_PATH, 303);
      const limit = deps.config.management.requestsPerSessionPerMinute;
      enforceRateLimit(
        reply,
        await deps.rateLimiter.hit(`session:${session.sessionId}`, limit, 60_000),
        'Too many requests',
      );
      const { db } = deps.storage;
      const orgs: WelcomeView['orgs'] = [];
      for (const org of await listUserOrgs(db, session.userId)) {
        const domains = await listLiveDomains(db, org.orgId);
        orgs.push({
          id: org.orgId,
          name: org.name,
          role: org.role,
          current: org.orgId === session.orgId,
          domains: domains.map((d) => ({ id: d.id, host: d.host, status: d.status })),
        });
      }
      return sendHtml(reply, 200, welcomePage({ email: session.email, orgs }));
    },
  );
}
