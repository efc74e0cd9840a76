import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { getChannelSync, requestSync } from '../../catalogue/channel-sync.js';
import { sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import { missingBodyAsEmptyObject } from '../empty-json-body.js';
import type { App } from '../types.js';

const Params = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The store channel id (chn_…).' }),
});

const Nullable = <T extends ReturnType<typeof Type.Integer> | ReturnType<typeof Type.String>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const ChannelSyncSchema = Type.Object({
  channelId: Type.String(),
  platform: Type.String({ description: 'woocommerce | shopify' }),
  status: Type.String({ description: 'The connection: active | needs_attention | disconnected.' }),
  state: Type.String({ description: 'The catalogue sync: idle | queued | running | failed.' }),
  done: Type.Integer({ description: 'Catalogue entries read by the current (or last) run.' }),
  total: Nullable(
    Type.Integer({
      description: 'What the store said it holds for this run (grows as variations are found).',
    }),
  ),
  full: Type.Boolean({
    description: 'The current (or next) run reads everything and removes what the store no longer lists.',
  }),
  startedAt: Nullable(Type.Integer({ description: 'Start of the current (or last) run, epoch ms.' })),
  lastSyncAt: Nullable(Type.Integer({ description: 'End of the last run, epoch ms.' })),
  lastResult: Nullable(
    Type.String({ description: 'success[: warnings] | limited | failed | needs_attention' }),
  ),
  lastError: Nullable(
    Type.String({
      description:
        'The store’s words when the last run failed; when `limited`, how many products the plan’s limit left out.',
    }),
  ),
  nextSyncAt: Nullable(
    Type.Integer({ description: 'Next scheduled run, epoch ms; null when on demand only.' }),
  ),
  products: Type.Integer({ description: 'Products of the channel now.' }),
  productLimit: Nullable(
    Type.Integer({
      description: 'The plan’s product limit across all the organization’s channels; null: unlimited.',
    }),
  ),
  orgProducts: Type.Integer({ description: 'Products of the organization across all its channels.' }),
  limitReached: Type.Boolean({
    description: 'The organization holds as many products as its plan allows: syncs add no new ones.',
  }),
});

export function registerStoreChannelsSync(app: App, deps: AppDeps): void {
  app.get(
    '/v1/store-channels/:id/sync',
    {
      preHandler: sessionRole(deps, 'viewer'),
      schema: {
        description:
          'The catalogue sync of a connected store: state, progress (done of total), last result and error.',
        params: Params,
        response: { 200: ChannelSyncSchema },
      },
    },
    async (request) =>
      getChannelSync(deps, { orgId: orgSession(request).orgId, channelId: request.params.id }),
  );

  app.post(
    '/v1/store-channels/:id/sync',
    {
      // No body at all means `{}` (a plain "sync now").
      preValidation: missingBodyAsEmptyObject,
      preHandler: sessionRole(deps, 'admin'),
      schema: {
        description:
          'Syncs the store’s catalogue now (202; the worker runs it). `full` reads everything and removes what the store no longer lists; otherwise only what changed since the last run is read. A sync already running is left to finish (`queued: false`).',
        params: Params,
        body: Type.Optional(
          Type.Object(
            { full: Type.Optional(Type.Boolean({ default: false })) },
            { additionalProperties: false },
          ),
        ),
        response: { 202: Type.Intersect([ChannelSyncSchema, Type.Object({ queued: Type.Boolean() })]) },
      },
    },
    async (request, reply) => {
      const result = await requestSync(deps, {
        orgId: orgSession(request).orgId,
        channelId: request.params.id,
        full: request.body?.full === true,
      });
      return reply.code(202).send(result);
    },
  );
}
