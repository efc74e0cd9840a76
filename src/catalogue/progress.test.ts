import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SyncColumns, syncProgress } from './progress.js';

const idle: SyncColumns = {
  sync_state: 'idle',
  sync_done: 253,
  sync_total: 253,
  sync_full: 0,
  sync_started_at: 1_767_000_000_000,
  last_sync_at: 1_767_000_060_000,
  last_sync_result: 'success',
  last_sync_error: null,
  next_sync_at: 1_767_021_660_000,
};

describe('syncProgress', () => {
  it('reads the sync columns as the API shows them', () => {
    assert.deepEqual(syncProgress(idle), {
      state: 'idle',
      done: 253,
      total: 253,
      full: false,
      startedAt: 1_767_000_000_000,
      lastSyncAt: 1_767_000_060_000,
      lastResult: 'success',
      lastError: null,
      nextSyncAt: 1_767_021_660_000,
    });
  });

  it('a running full run without a total yet; an unknown state reads as idle', () => {
    const running = syncProgress({
      ...idle,
      sync_state: 'running',
      sync_done: 40,
      sync_total: null,
      sync_full: 1,
    });
    assert.equal(running.state, 'running');
    assert.equal(running.done, 40);
    assert.equal(running.total, null);
    assert.equal(running.full, true);
    assert.equal(syncProgress({ ...idle, sync_state: 'paused' }).state, 'idle');
  });
});
