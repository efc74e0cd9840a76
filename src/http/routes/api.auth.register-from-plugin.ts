import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { POLL_INTERVAL_SECONDS, registerFromPlugin } from '../../plugin-auth/register.js';
import { wooStoreUrl } from '../../stores/store-url.js';
import { enforceRegisterLimits } from '../auth/plugin-limits.js';
import type { App } from '../types.js';

export const RegisterBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254, description: 'The store admin’s address' }),
    storeUrl: Type.String({ minLength: 1, maxLength: 2048, description: 'The store’s URL' }),
    source: Type.String({
      minLength: 1,
      maxLength: 40,
      pattern: '^[a-z0-9][a-z0-9._-]*$',
      description: 'What asks, e.g. woo-plugin',
    }),
  },
  { additionalProperties: true },
);

const User = Type.Object({ id: Type.String(), email: Type.String() });

export const RegisterResponse = Type.Object({
  token: Type.Union([Type.String(), Type.Null()], {
    description: 'The plugin JWT; null while an existing account’s owner has not confirmed',
  }),
  refreshToken: Type.Optional(Type.String({ description: 'Renews the JWT at POST /api/auth/refresh' })),
  expiresIn: Type.Optional(Type.Integer({ description: 'Seconds until the JWT expires' })),
  user: User,
  isNewAccount: Type.Boolean(),
  confirmationRequired: Type.Optional(Type.Boolean()),
  pollHandle: Type.Optional(
    Type.String({ description: 'Poll GET /api/auth/account-status?pollHandle=… until confirmed' }),
  ),
  pollInterval: Type.Optional(Type.Integer({ description: 'Seconds between polls' })),
  expiresAt: Type.Optional(Type.String({ description: 'When the confirmation request lapses' })),
  message: Type.Optional(Type.String()),
});

export function registerApiAuthRegisterFromPlugin(app: App, deps: AppDeps): void {
  app.post(
    '/api/auth/register-from-plugin',
    {
      schema: {
        description:
          'Silent registration by the store plugin. A new address gets an account (user and org) and a JWT ' +
          'at once (200, isNewAccount true). An existing account is never handed out: its owner is mailed a ' +
          'confirmation link naming the store and source, and the answer (202) carries token null and a ' +
          'pollHandle; GET /api/auth/account-status?pollHandle=… delivers the token once after the owner ' +
          'confirmed. Limited per IP and per address. docs/store-connections.md.',
        body: RegisterBody,
        response: { 200: RegisterResponse, 202: RegisterResponse },
      },
    },
    async (request, reply) => {
      const storeUrl = wooStoreUrl(request.body.storeUrl, true);
      await enforceRegisterLimits(deps, request, reply, request.body.email);
      const result = await registerFromPlugin(deps, {
        email: request.body.email,
        storeUrl,
        source: request.body.source,
        ip: request.ip,
      });
      reply.header('cache-control', 'no-store');
      if (result.isNewAccount) {
        return reply.status(200).send({
          token: result.tokens.token,
          refreshToken: result.tokens.refreshToken,
          expiresIn: result.tokens.expiresIn,
          user: result.user,
          isNewAccount: true,
        });
      }
      return reply.status(202).send({
        token: null,
        user: result.user,
        isNewAccount: false,
        confirmationRequired: true,
        pollHandle: result.pollHandle,
        pollInterval: POLL_INTERVAL_SECONDS,
        expiresAt: new Date(result.expiresAt).toISOString(),
        message: 'This address already has an account: its owner was mailed a link to confirm this store',
      });
    },
  );
}
