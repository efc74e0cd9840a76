/**
 * The catalogue sync of a channel as its owner sees it, read from the sync columns of `store_channels`:
 * the one view behind `/api/sync/status` and the management API. Pure.
 */
import type { StoreChannelRow } from '../storage/schema.js';

export type SyncState = 'idle' | 'queued' | 'running' | 'failed';

export interface SyncProgress {
  state: SyncState;
  /** Catalogue entries read in the current (or last) run. */
  done: number;
  /** What the store said it holds for this run (grows as variations are found); null before it said. */
  total: number | null;
  /** Whether the current (or next) run reads everything, removing what the store no longer lists. */
  full: boolean;
  /** When the current (or last) run began. */
  startedAt: number | null;
  lastSyncAt: number | null;
  /** success[: warnings] | limited (the plan's product limit left products out) | failed | needs_attention; null before the first run ended. */
  lastResult: string | null;
  lastError: string | null;
  /** When the next scheduled run is due; null when on demand only. */
  nextSyncAt: number | null;
}

export type SyncColumns = Pick<
  StoreChannelRow,
  | 'sync_state'
  | 'sync_done'
  | 'sync_total'
  | 'sync_full'
  | 'sync_started_at'
  | 'last_sync_at'
  | 'last_sync_result'
  | 'last_sync_error'
  | 'next_sync_at'
>;

const STATES: readonly SyncState[] = ['idle', 'queued', 'running', 'failed'];
/** PostgreSQL may hand a bigint back as a string. */
const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function syncProgress(row: SyncColumns): SyncProgress {
  const state = (STATES as readonly string[]).includes(row.sync_state)
    ? (row.sync_state as SyncState)
    : 'idle';
  return {
    state,
    done: Number(row.sync_done ?? 0),
    total: row.sync_total === null ? null : Number(row.sync_total),
    full: Number(row.sync_full) === 1,
    startedAt: num(row.sync_started_at),
    lastSyncAt: num(row.last_sync_at),
    lastResult: row.last_sync_result,
    lastError: row.last_sync_error,
    nextSyncAt: num(row.next_sync_at),
  };
}
