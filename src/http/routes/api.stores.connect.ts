import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { StatusError } from '../../lib/status-error.js';
import { POLL_INTERVAL_SECONDS } from '../../plugin-auth/register.js';
import { connectStore } from '../../stores/connect.js';
import { optionalPluginAuth } from '../auth/plugin-jwt.js';
import { enforceRegisterLimits } from '../auth/plugin-limits.js';
import { Sync2SysError } from '../sync2sys-errors.js';
import type { App } from '../types.js';

export const ConnectBody = Type.Object(
  {
    storeUrl: Type.String({ minLength: 1, maxLength: 2048, description: 'The store’s URL (https)' }),
    consumerKey: Type.String({ maxLength: 100, description: 'WooCommerce REST key: ck_ and 40 hex' }),
    consumerSecret: Type.String({ maxLength: 100, description: 'WooCommerce REST secret: cs_ and 40 hex' }),
    email: Type.Optional(Type.String({ maxLength: 254, description: 'Required without a Bearer token' })),
    platform: Type.Optional(Type.String({ maxLength: 20, description: 'woocommerce' })),
    pluginVersion: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: true },
);

export const ConnectResponse = Type.Object({
  success: Type.Boolean(),
  token: Type.Union([Type.String(), Type.Null()]),
  channelId: Type.Union([Type.String(), Type.Null()]),
  message: Type.String(),
  refreshToken: Type.Optional(Type.String()),
  expiresIn: Type.Optional(Type.Integer()),
  isNewAccount: Type.Optional(Type.Boolean()),
  confirmationRequired: Type.Optional(Type.Boolean()),
  pollHandle: Type.Optional(Type.String()),
  pollInterval: Type.Optional(Type.Integer()),
  expiresAt: Type.Optional(Type.String()),
});

export function registerApiStoresConnect(app: App, deps: AppDeps): void {
  app.post(
    '/api/stores/connect',
    {
      schema: {
        description:
          'Connects a WooCommerce store with REST keys, checked first with one read of ' +
          '/wp-json/wc/v3/products (HTTP Basic, then the query-string form); refused keys store nothing (400 ' +
          'INVALID_STORE_CREDENTIALS). With a Bearer JWT the store joins that account (admin role or higher). ' +
          'Without one, `email` follows register-from-plugin: a new address gets an account with the store ' +
          'and a token (201); an existing account gets a confirmation mail and 202 with token null, no ' +
          'channel and a pollHandle. 201 for a new channel, 200 for a reconnect (new keys).',
        body: ConnectBody,
        response: { 200: ConnectResponse, 201: ConnectResponse, 202: ConnectResponse },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const auth = await optionalPluginAuth(deps, request, reply);
      if (!auth && request.body.email) await enforceRegisterLimits(deps, request, reply, request.body.email);
      const result = await connectStore(deps, auth, { ...request.body, ip: request.ip }).catch(
        (error: unknown) => {
          // The store's specific codes (INVALID_STORE_CREDENTIALS, STORE_UNREACHABLE) travel as `error`.
          if (error instanceof StatusError && error.code)
            throw new Sync2SysError(error.statusCode, error.message, error.code);
          throw error;
        },
      );
      if (result.kind === 'confirmation_required') {
        return reply.status(202).send({
          success: false,
          token: null,
          channelId: null,
          message:
            'This address already has an account: its owner was mailed a link to confirm. Poll ' +
            'GET /api/auth/account-status?pollHandle=… for the token, then connect again with it.',
          isNewAccount: false,
          confirmationRequired: true,
          pollHandle: result.pollHandle,
          pollInterval: POLL_INTERVAL_SECONDS,
          expiresAt: new Date(result.expiresAt).toISOString(),
        });
      }
      return reply.status(result.created ? 201 : 200).send({
        success: true,
        token: result.token,
        channelId: result.channelId,
        message: result.created ? 'Store connected successfully' : 'Store reconnected with the new keys',
        ...(result.tokens
          ? { refreshToken: result.tokens.refreshToken, expiresIn: result.tokens.expiresIn }
          : { expiresIn: deps.config.pluginAuth.jwtTtlSeconds }),
        isNewAccount: result.isNewAccount,
      });
    },
  );
}
