/**
 * The catalogue scheduler of the worker role (like the shop webhook processor): leases due channels —
 * asked for, scheduled (`next_sync_at`), or interrupted (a dead node's expired lease, resumed from its
 * cursor) — and syncs at most CATALOGUE_SYNC_CONCURRENCY of them at once. The API node that queued a sync
 * wakes the syncer of its own process; other nodes poll.
 */
import type { Logger } from 'pino';
import { randomId } from '../lib/ids.js';
import { leaseDueChannels, releaseChannelLease } from '../storage/repos/products.js';
import type { StoreChannelRow } from '../storage/schema.js';
import { runLeasedSync, type SyncDeps, type SyncOutcome } from './run-sync.js';

export class CatalogueSyncer {
  readonly owner = `cat_${randomId(6)}`;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private readonly active = new Map<string, Promise<SyncOutcome | undefined>>();
  private stopping = false;

  constructor(
    private readonly deps: SyncDeps,
    private readonly log: Pick<Logger, 'error' | 'warn' | 'info'>,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.schedule(0);
  }

  wake(): void {
    if (this.running && !this.ticking) this.schedule(0);
  }

  /** Stops leasing; runs in progress stop after their current page and give their lease back. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    await Promise.all(this.active.values());
  }

  /** Leases what is due (up to the free slots) and starts those syncs; returns how many started. */
  async runOnce(): Promise<number> {
    const free = this.deps.config.catalogue.concurrency - this.active.size;
    const leased = await leaseDueChannels(this.deps.storage.db, this.deps.storage.dialect, {
      owner: this.owner,
      now: this.deps.clock.now(),
      leaseMs: this.deps.config.catalogue.leaseMs,
      limit: free,
      defaultIntervalMinutes: this.deps.config.catalogue.syncIntervalMinutes,
    });
    for (const channel of leased) this.begin(channel);
    return leased.length;
  }

  /** Syncs until nothing is due or running (tests): the outcomes in the order they ended. */
  async drain(maxRounds = 100): Promise<SyncOutcome[]> {
    const outcomes: SyncOutcome[] = [];
    for (let round = 0; round < maxRounds; round++) {
      await this.ticking;
      const started = await this.runOnce();
      if (started === 0 && this.active.size === 0) break;
      const ended = await Promise.race(this.active.values());
      if (ended) outcomes.push(ended);
    }
    return outcomes;
  }

  private begin(channel: StoreChannelRow): void {
    const run = runLeasedSync(this.deps, channel, { owner: this.owner, shouldStop: () => this.stopping })
      .then(async (outcome) => {
        if (outcome.status === 'stopped')
          await releaseChannelLease(this.deps.storage.db, channel.id, this.owner);
        if (outcome.status === 'failed' || outcome.status === 'needs_attention') {
          this.log.warn({ channel: channel.id, error: outcome.error }, 'catalogue sync failed');
        }
        return outcome;
      })
      .catch((error: unknown) => {
        // Infrastructure (the database) failed: the lease expires and another tick resumes the cursor.
        this.log.error({ err: error, channel: channel.id }, 'catalogue sync crashed');
        return undefined;
      })
      .finally(() => {
        this.active.delete(channel.id);
        if (this.running) this.wake();
      });
    this.active.set(channel.id, run);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
      });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    try {
      await this.runOnce();
    } catch (error) {
      this.log.error({ err: error }, 'catalogue syncer tick failed');
    }
    this.schedule(this.deps.config.catalogue.pollIntervalMs);
  }
}
