/**
 * Works through the shop webhook inbox on every node that runs the worker role: leases due webhooks
 * (expiring leases, SKIP LOCKED on PostgreSQL, so several nodes share the inbox and a dead node's lease is
 * taken over), processes each, and retries what failed with backoff. Also erases order data past its
 * retention. The API node that stored a webhook wakes the processor of its own process; others poll.
 */
import type { Logger } from 'pino';
import { ApiError } from '../errors.js';
import { randomId } from '../lib/ids.js';
import {
  eraseOrderData,
  finishShopWebhook,
  leaseShopWebhooks,
  retryShopWebhook,
} from '../storage/repos/orders.js';
import type { ShopWebhookRow } from '../storage/schema.js';
import { announceOrderOutcomes } from './announcements.js';
import { type ProcessDeps, processShopWebhook } from './process-webhook.js';

/** About a day of retries (5 s doubling, capped at an hour) before a webhook is marked failed. */
export const MAX_ATTEMPTS = 30;
const BATCH = 20;
const LEASE_MS = 60_000;
const POLL_MS = 1000;
const MAINTENANCE_MS = 10 * 60_000;

/** Delay before attempt `attempts + 1`: 5 s doubling, capped at an hour; an hour when the org is held. */
export function retryDelayMs(attempts: number, error: unknown): number {
  if (error instanceof ApiError && ['subscription_inactive', 'request_limit_exceeded'].includes(error.code)) {
    return 3600_000;
  }
  return Math.min(5000 * 2 ** Math.min(attempts, 20), 3600_000);
}

export class ShopWebhookProcessor {
  readonly owner = `ord_${randomId(6)}`;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private wakeRequested = false;
  private lastMaintenance = 0;

  constructor(
    private readonly deps: ProcessDeps,
    private readonly log: Pick<Logger, 'error' | 'warn'>,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  wake(): void {
    if (!this.running) return;
    if (this.ticking) this.wakeRequested = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /**
   * Processes due webhooks until none is left (tests and the CLI), including those the background loop
   * had leased when it was called. Returns how many this call processed.
   */
  async drain(maxRounds = 1000): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      await this.ticking;
      const done = await this.runOnce();
      total += done;
      if (done === 0 && !this.ticking) break;
    }
    return total;
  }

  /** One leased batch, processed in the order the webhooks arrived. */
  async runOnce(): Promise<number> {
    const { storage, clock } = this.deps;
    const leased = await leaseShopWebhooks(storage.db, storage.dialect, {
      owner: this.owner,
      now: clock.now(),
      leaseMs: LEASE_MS,
      limit: BATCH,
    });
    for (const webhook of leased) await this.processOne(webhook);
    return leased.length;
  }

  /** Retention, then what reconciliation finds, announced to outbound webhooks (announcements.ts). */
  async maintenance(now: number): Promise<void> {
    await eraseOrderData(this.deps.storage.db, now - this.deps.config.orders.dataRetentionMs, now);
    await announceOrderOutcomes(this.deps, now);
  }

  private async processOne(webhook: ShopWebhookRow): Promise<void> {
    const { db } = this.deps.storage;
    try {
      const outcome = await processShopWebhook(this.deps, webhook);
      await finishShopWebhook(db, {
        id: webhook.id,
        owner: this.owner,
        ...outcome,
        now: this.deps.clock.now(),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const now = this.deps.clock.now();
      if (webhook.attempts + 1 >= MAX_ATTEMPTS) {
        this.log.error({ err: error, webhook: webhook.id }, 'shop webhook failed for good');
        await finishShopWebhook(db, {
          id: webhook.id,
          owner: this.owner,
          status: 'failed',
          result: message,
          now,
        });
        return;
      }
      this.log.warn({ err: error, webhook: webhook.id }, 'shop webhook processing failed; will retry');
      await retryShopWebhook(db, {
        id: webhook.id,
        owner: this.owner,
        result: message,
        nextAttemptAt: now + retryDelayMs(webhook.attempts, error),
      });
    }
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
    let found = 0;
    try {
      found = await this.runOnce();
      const now = this.deps.clock.now();
      if (now - this.lastMaintenance > MAINTENANCE_MS) {
        this.lastMaintenance = now;
        await this.maintenance(now);
      }
    } catch (error) {
      this.log.error({ err: error }, 'shop webhook processor tick failed');
    }
    const again = found > 0 || this.wakeRequested;
    this.wakeRequested = false;
    this.schedule(again ? 0 : POLL_MS);
  }
}
