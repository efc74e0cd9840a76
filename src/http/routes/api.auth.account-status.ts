import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { POLL_INTERVAL_SECONDS, pollRegistration } from '../../plugin-auth/register.js';
import { getOrg } from '../../storage/repos/orgs.js';
import { getStoreChannel, listStoreChannels } from '../../storage/repos/store-channels.js';
import { getUser } from '../../storage/repos/users.js';
import { optionalPluginAuth } from '../auth/plugin-jwt.js';
import { enforcePollLimit } from '../auth/plugin-limits.js';
import { Sync2SysError } from '../sync2sys-errors.js';
import type { App } from '../types.js';

export const AccountStatusResponse = Type.Object({
  connected: Type.Boolean({
    description: 'The plugin’s store (or, unbound, any store of the org) is connected',
  }),
  email: Type.Optional(Type.String()),
  plan: Type.Optional(Type.String()),
  organizationName: Type.Optional(Type.String()),
  channelId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  // The poll of a confirmation request (no JWT, ?pollHandle=).
  status: Type.Optional(
    Type.String({
      description: 'Poll only: pending | confirmed (token included, once) | delivered | declined | expired',
    }),
  ),
  confirmationRequired: Type.Optional(Type.Boolean()),
  pollInterval: Type.Optional(Type.Integer()),
  token: Type.Optional(Type.String()),
  refreshToken: Type.Optional(Type.String()),
  expiresIn: Type.Optional(Type.Integer()),
  user: Type.Optional(Type.Object({ id: Type.String(), email: Type.String() })),
});

export function registerApiAuthAccountStatus(app: App, deps: AppDeps): void {
  app.get(
    '/api/auth/account-status',
    {
      schema: {
        description:
          'With a Bearer JWT: the account’s status for the plugin (connected, email, plan, organizationName). ' +
          'Without one, `?pollHandle=` (from register-from-plugin or stores/connect) polls a confirmation ' +
          'request: `status` pending until the owner confirms by mail; the first poll after that answers ' +
          '`confirmed` with the token (once); later polls `delivered`. The handle grants nothing else.',
        querystring: Type.Object({ pollHandle: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: { 200: AccountStatusResponse },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const auth = await optionalPluginAuth(deps, request, reply);
      if (auth) {
        const { db } = deps.storage;
        const [user, org] = await Promise.all([getUser(db, auth.userId), getOrg(db, auth.orgId)]);
        if (!user || !org) throw new Sync2SysError(401, 'Session revoked or expired');
        const channel = auth.channelId ? await getStoreChannel(db, auth.orgId, auth.channelId) : undefined;
        const connected = channel
          ? channel.status === 'active'
          : (await listStoreChannels(db, auth.orgId)).some((c) => c.status === 'active');
        return {
          connected,
          email: user.email,
          plan: org.plan,
          organizationName: org.name,
          channelId: channel?.id ?? null,
        };
      }
      const handle = request.query.pollHandle;
      if (!handle) throw new Sync2SysError(401, 'Missing Bearer token');
      await enforcePollLimit(deps, request, reply);
      const poll = await pollRegistration(deps, handle);
      if (!poll) throw new Sync2SysError(404, 'Unknown poll handle');
      if (poll.status === 'confirmed') {
        return {
          connected: true,
          status: 'confirmed',
          email: poll.user.email,
          plan: poll.org.plan,
          organizationName: poll.org.name,
          token: poll.tokens.token,
          refreshToken: poll.tokens.refreshToken,
          expiresIn: poll.tokens.expiresIn,
          user: poll.user,
        };
      }
      return {
        connected: false,
        status: poll.status,
        confirmationRequired: poll.status === 'pending',
        ...(poll.status === 'pending' ? { pollInterval: POLL_INTERVAL_SECONDS } : {}),
      };
    },
  );
}
