/**
 * The figures of `/api/sync/status` for one org, summed over its channels' sync progress as
 * src/catalogue/progress.ts reads it (the one reading of the sync columns).
 */
import { syncProgress } from '../catalogue/progress.js';
import type { DB } from '../storage/db.js';
import { orgSyncRows } from '../storage/repos/store-channels.js';

export interface OrgSyncFigures {
  suppliers: number;
  feeds: number;
  products: number;
  lastSyncAt: number | null;
  lastActivityAt: number | null;
  /** Of the channels syncing now. */
  syncing: number;
  syncDone: number;
  syncTotal: number | null;
}

export async function orgSyncFigures(db: DB, orgId: string): Promise<OrgSyncFigures> {
  const rows = await orgSyncRows(db, orgId);
  let lastSyncAt: number | null = null;
  let lastActivityAt: number | null = null;
  let syncing = 0;
  let syncDone = 0;
  let syncTotal: number | null = null;
  const max = (a: number | null, b: number | string | null | undefined): number | null =>
    b == null ? a : a === null ? Number(b) : Math.max(a, Number(b));
  for (const channel of rows.channels) {
    const progress = syncProgress(channel);
    lastSyncAt = max(lastSyncAt, progress.lastSyncAt);
    lastActivityAt = max(lastActivityAt, channel.last_activity_at);
    if (progress.state === 'running' || progress.state === 'queued') {
      syncing += 1;
      syncDone += progress.done;
      if (progress.total !== null) syncTotal = (syncTotal ?? 0) + progress.total;
    }
  }
  return {
    suppliers: rows.channels.filter((c) => c.status === 'active').length,
    feeds: rows.feeds,
    products: rows.products,
    lastSyncAt,
    lastActivityAt: max(lastActivityAt, lastSyncAt),
    syncing,
    syncDone,
    syncTotal,
  };
}
