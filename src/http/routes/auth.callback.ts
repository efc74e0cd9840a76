import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { completeLogin } from '../../management/auth/magic-link.js';
import { setSessionCookie } from '../auth/cookie.js';
import { assertNotCrossSite } from '../auth/origin.js';
import { problemMessage, problemPage, sendHtml } from '../auth/pages.js';
import { SESSION_COOKIE } from '../auth/session.js';
import { addFormBodyParser } from '../form-body.js';
import type { App } from '../types.js';

export const CallbackBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 256, description: 'The token of the magic link' }) },
  { additionalProperties: false },
);

/**
 * Registered in its own plugin scope: only here does Fastify accept form bodies (the confirm page's form),
 * every other route stays JSON-only.
 */
export async function registerAuthCallback(app: App, deps: AppDeps): Promise<void> {
  await app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    addFormBodyParser(scope);
    scope.post(
      '/v1/auth/callback',
      {
        schema: {
          description:
            'Uses a magic-link token (form-urlencoded or JSON): creates the account on first sign-in, joins ' +
            'the org of an invite, starts a session (sc_session cookie) and redirects (303) to the ' +
            'redirect path of the login request or /app (the welcome page).',
          body: CallbackBody,
        },
      },
      async (request, reply) => {
        const fromForm = (request.headers['content-type'] ?? '').startsWith(
          'application/x-www-form-urlencoded',
        );
        assertNotCrossSite(request, deps.config.management.publicBaseUrl);
        const result = await completeLogin(deps, {
          token: request.body.token,
          previousSessionToken: request.cookies?.[SESSION_COOKIE] ?? null,
          ip: request.ip,
        });
        if (!result.ok) {
          if (fromForm) return sendHtml(reply, 401, problemPage(result.problem));
          throw new ApiError('unauthenticated', problemMessage(result.problem), { reason: result.problem });
        }
        setSessionCookie(request, reply, result.sessionToken, deps.config.management.sessionMaxAgeMs);
        return reply.header('cache-control', 'no-store').redirect(result.redirect, 303);
      },
    );
  });
}
