import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { refreshPluginSession } from '../../plugin-auth/sessions.js';
import { Sync2SysError } from '../sync2sys-errors.js';
import type { App } from '../types.js';

export const TokensResponse = Type.Object({
  token: Type.String({ description: 'A new plugin JWT' }),
  refreshToken: Type.String({ description: 'The next refresh token; the one sent stops working' }),
  expiresIn: Type.Integer({ description: 'Seconds until the JWT expires' }),
});

export function registerApiAuthRefresh(app: App, deps: AppDeps): void {
  app.post(
    '/api/auth/refresh',
    {
      schema: {
        description:
          'Exchanges a refresh token for a new JWT and a new refresh token (rotation: the old refresh token ' +
          'stops working). 401 for an unknown, used, revoked or expired one.',
        body: Type.Object(
          { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: TokensResponse },
      },
    },
    async (request, reply) => {
      const result = await refreshPluginSession(deps, request.body.refreshToken);
      if (!result.ok) throw new Sync2SysError(401, 'Invalid or expired refresh token');
      const { token, refreshToken, expiresIn } = result.tokens;
      return reply.header('cache-control', 'no-store').send({ token, refreshToken, expiresIn });
    },
  );
}
