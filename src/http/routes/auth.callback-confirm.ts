import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { peekLoginToken } from '../../storage/repos/login-tokens.js';
import { confirmPage, problemPage, sendHtml } from '../auth/pages.js';
import type { App } from '../types.js';

export function registerAuthCallbackConfirm(app: App, deps: AppDeps): void {
  app.get(
    '/v1/auth/callback',
    {
      schema: {
        description:
          'The magic link opens this HTML confirm page. It does not use the token (mail scanners fetch ' +
          'links); its button posts the token to POST /v1/auth/callback.',
        querystring: Type.Object({ token: Type.String({ minLength: 1, maxLength: 256 }) }),
      },
    },
    async (request, reply) => {
      const lookup = await peekLoginToken(deps.storage.db, request.query.token, deps.clock.now());
      if (!lookup.ok) return sendHtml(reply, 401, problemPage(lookup.problem));
      return sendHtml(reply, 200, confirmPage(request.query.token, lookup.row.email, lookup.row.purpose));
    },
  );
}
