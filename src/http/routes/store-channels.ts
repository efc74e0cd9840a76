import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { auditBy } from '../../management/audit.js';
import { revokeUserPluginSessions } from '../../storage/repos/plugin-sessions.js';
import { disconnectChannel, getChannel, listChannels, updateChannel } from '../../stores/channels.js';
import { sessionActor, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';

const Params = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The channel id (chn_…).' }),
});
const Nullable = <T extends ReturnType<typeof Type.Integer> | ReturnType<typeof Type.String>>(t: T) =>
  Type.Union([t, Type.Null()]);

export const StoreChannelSchema = Type.Object({
  id: Type.String(),
  platform: Type.String({ description: 'woocommerce | shopify' }),
  storeUrl: Type.String(),
  name: Nullable(Type.String()),
  status: Type.String({ description: 'active | disconnected | needs_attention' }),
  domainId: Nullable(Type.String({ description: 'The linked Tagbridge domain of the same shop' })),
  credential: Nullable(Type.String({ description: 'A masked preview of the key or token, never the value' })),
  pluginVersion: Nullable(Type.String()),
  connectedAt: Nullable(Type.Integer()),
  disconnectedAt: Nullable(Type.Integer()),
  lastActivityAt: Nullable(Type.Integer()),
  syncIntervalMinutes: Nullable(Type.Integer()),
  sync: Type.Object({
    state: Type.String(),
    done: Type.Integer(),
    total: Nullable(Type.Integer()),
    lastSyncAt: Nullable(Type.Integer()),
    lastResult: Nullable(Type.String()),
    lastError: Nullable(Type.String()),
  }),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

/** Management API of connected stores (session, roles); the CLI's `store list|disconnect` call the same. */
export function registerStoreChannels(app: App, deps: AppDeps): void {
  app.get(
    '/v1/store-channels',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description: 'The org’s connected stores, with a masked credential preview and sync progress.',
        response: { 200: Type.Object({ data: Type.Array(StoreChannelSchema) }) },
      },
    },
    async (request) => ({ data: await listChannels(deps, orgSession(request).orgId) }),
  );

  app.get(
    '/v1/store-channels/:id',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: { description: 'One connected store.', params: Params, response: { 200: StoreChannelSchema } },
    },
    async (request) => getChannel(deps, orgSession(request).orgId, request.params.id),
  );

  app.patch(
    '/v1/store-channels/:id',
    {
      preHandler: sessionRole(deps, 'admin'),
      schema: {
        description:
          'Links the store to one of the org’s domains (null unlinks; the domain’s order-import access follows) ' +
          'and sets its sync interval in minutes (0: on demand only; null: the default).',
        params: Params,
        body: Type.Object(
          {
            domainId: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
            syncIntervalMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 7 * 24 * 60 }))),
          },
          { additionalProperties: false },
        ),
        response: { 200: StoreChannelSchema },
      },
    },
    async (request) =>
      updateChannel(deps, sessionActor(request), {
        orgId: orgSession(request).orgId,
        channelId: request.params.id,
        ...request.body,
      }),
  );

  app.delete(
    '/v1/store-channels/:id',
    {
      preHandler: sessionRole(deps, 'admin'),
      schema: {
        description:
          'Disconnects the store: credentials erased, channel disconnected, its plugin sessions revoked, the ' +
          'linked domain’s store access removed. The channel and its products stay (reconnect reuses it).',
        params: Params,
        response: { 200: StoreChannelSchema },
      },
    },
    async (request) => {
      const orgId = orgSession(request).orgId;
      await disconnectChannel(deps, sessionActor(request), { orgId, channelId: request.params.id });
      return getChannel(deps, orgId, request.params.id);
    },
  );

  app.post(
    '/v1/auth/plugin-sessions/revoke',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description:
          'Logs out every store-plugin session of the signed-in user in the current org (password-less: for a ' +
          'lost or leaked plugin token). Audited.',
        response: { 200: Type.Object({ revoked: Type.Integer() }) },
      },
    },
    async (request) => {
      const session = orgSession(request);
      const now = deps.clock.now();
      const revoked = await deps.storage.db.transaction().execute(async (trx) => {
        const n = await revokeUserPluginSessions(trx, { userId: session.userId, orgId: session.orgId, now });
        await auditBy(trx, sessionActor(request), {
          orgId: session.orgId,
          action: 'plugin.logout_all',
          targetType: 'user',
          targetId: session.userId,
          details: { revoked: n, via: 'dashboard' },
          at: now,
        });
        return n;
      });
      return { revoked };
    },
  );
}
