import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { orgProductLimit } from '../../catalogue/product-limit.js';
import { lastPluginUse } from '../../storage/repos/plugin-sessions.js';
import { orgSyncFigures } from '../../stores/sync-status.js';
import { pluginAuth, requirePluginJwt } from '../auth/plugin-jwt.js';
import type { App } from '../types.js';

const iso = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const SyncStatusResponse = Type.Object({
  suppliers: Type.Integer({ description: 'Connected (active) stores of the organization' }),
  feeds: Type.Integer({ description: 'Feeds of the organization' }),
  products_synced: Type.Integer({ description: 'Catalogue items stored for the organization' }),
  last_sync: Type.Union([Type.String(), Type.Null()], { description: 'End of the newest catalogue sync' }),
  last_activity: Type.Union([Type.String(), Type.Null()], {
    description: 'Newest of: a sync, a store connection, a plugin request',
  }),
  syncing: Type.Boolean({ description: 'A catalogue sync is queued or running' }),
  sync_done: Type.Integer({ description: 'Products done by the running syncs' }),
  sync_total: Type.Union([Type.Integer(), Type.Null()], { description: 'Their total, when known' }),
  product_limit: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The plan’s product limit across all the organization’s stores; null: unlimited',
  }),
  limit_reached: Type.Boolean({
    description: 'The organization holds as many products as its plan allows: syncs add no new ones',
  }),
});

export function registerApiSyncStatus(app: App, deps: AppDeps): void {
  app.get(
    '/api/sync/status',
    {
      preHandler: requirePluginJwt(deps),
      schema: {
        description:
          'The organization’s real figures: stores, feeds, products, last sync and activity, progress.',
        response: { 200: SyncStatusResponse },
      },
    },
    async (request) => {
      const auth = pluginAuth(request);
      const { db } = deps.storage;
      const figures = await orgSyncFigures(db, auth.orgId);
      const pluginAt = await lastPluginUse(db, auth.orgId);
      const limit = await orgProductLimit(db, deps.config, auth.orgId);
      const activity =
        figures.lastActivityAt === null
          ? pluginAt
          : pluginAt === null
            ? figures.lastActivityAt
            : Math.max(figures.lastActivityAt, pluginAt);
      return {
        suppliers: figures.suppliers,
        feeds: figures.feeds,
        products_synced: figures.products,
        last_sync: iso(figures.lastSyncAt),
        last_activity: iso(activity),
        syncing: figures.syncing > 0,
        sync_done: figures.syncDone,
        sync_total: figures.syncTotal,
        product_limit: limit.limit,
        limit_reached: limit.reached,
      };
    },
  );
}
