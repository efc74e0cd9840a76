/**
 * The delivery worker: the leasing loop. It picks due destinations (within the concurrency limit, each
 * destination's pacing and its circuit), leases a batch of deliveries, opens the events (open-events.ts),
 * delivers them (deliver-batch.ts), records every outcome, and holds or releases the destination.
 */

import type { Config } from '../config.js';
import { getDestination } from '../destinations/registry.js';
import type { Destination, DestinationType } from '../destinations/types.js';
import type { Clock } from '../lib/clock.js';
import type { Sealer } from '../lib/crypto.js';
import { randomId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { Storage } from '../storage/db.js';
import {
  type DeliveryOutcome,
  deleteExpiredDedupKeys,
  dueDestinationIds,
  eraseFinishedEvents,
  expireDeliveries,
  type LeasedBatch,
  leaseBatch,
  recordOutcomes,
  releaseLeases,
} from '../storage/repos/deliveries.js';
import {
  getDestinationRow,
  markDestinationStatus,
  openDestinationConfig,
} from '../storage/repos/destinations.js';
import { domainDeliveryDefaults } from '../storage/repos/domain-admin.js';
import type { DestinationRow } from '../storage/schema.js';
import {
  announceExpired,
  markCredentialsRejectedAndNotify,
  type OutcomeEventInfo,
  outcomeFanout,
  outcomeSubscribers,
} from '../webhooks/delivery-events.js';
import type { WebhookSubscriptions } from '../webhooks/subscriptions.js';
import type { AccessTokenCache } from './access-tokens.js';
import { CircuitBreakers } from './circuit.js';
import { deliverBatch, nextTurn } from './deliver-batch.js';
import type { HttpSender } from './http-client.js';
import { openEvents } from './open-events.js';
import { QueueWindow } from './queue-window.js';

export interface WorkerMetrics {
  outcome(destinationType: string, outcome: string, count: number): void;
  requestDuration(destinationType: string, seconds: number): void;
  webhookRefused?(type: string, count: number): void;
}

export interface WorkerDeps {
  storage: Storage;
  sealer: Sealer;
  clock: Clock;
  config: Config;
  sender: HttpSender;
  log: Logger;
  metrics?: WorkerMetrics;
  random?: () => number;
  /** Awaited between chunks while a batch is opened and built (default: one turn of the event loop). */
  pause?: () => Promise<void>;
  /** Access tokens (Google Ads); default: the process's shared cache, which "send test event" uses too. */
  tokens?: AccessTokenCache;
  /** Which orgs' endpoints want delivery outcomes (`event.delivered`, `event.failed`); none without it. */
  webhooks?: WebhookSubscriptions;
}

const MAINTENANCE_INTERVAL_MS = 30_000;

export class DeliveryWorker {
  readonly owner = `wrk_${randomId(6)}`;
  readonly circuits: CircuitBreakers;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Map<Promise<void>, string>();
  /** Per-destination earliest next request (request-rate limits and throttling). */
  private readonly notBefore = new Map<string, number>();
  private lastMaintenance = 0;
  private readonly window: QueueWindow;
  private ticking = false;
  private wakeRequested = false;

  constructor(private readonly deps: WorkerDeps) {
    this.circuits = new CircuitBreakers({
      threshold: deps.config.delivery.circuitFailureThreshold,
      openMs: deps.config.delivery.circuitOpenMs,
    });
    this.window = new QueueWindow(deps.storage);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** New work was committed: look for it now rather than at the next poll. */
  wake(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops leasing, lets in-flight batches finish (bounded), then gives back any remaining leases. */
  async stop(graceMs = this.deps.config.delivery.shutdownGraceMs): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const all = Promise.allSettled([...this.inFlight.keys()]);
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    await releaseLeases(this.deps.storage.db, this.owner);
  }

  /** Runs until nothing is due (tests and the CLI drain use this). */
  async drain(maxRounds = 10_000): Promise<void> {
    for (let round = 0; round < maxRounds; round += 1) {
      const { started } = await this.tickOnce();
      await Promise.allSettled([...this.inFlight.keys()]);
      if (started === 0) return;
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), delayMs);
  }

  private async loop(): Promise<void> {
    this.timer = null;
    if (!this.running) return;
    this.ticking = true;
    let started = 0;
    let pacedUntil: number | null = null;
    try {
      ({ started, pacedUntil } = await this.tickOnce());
      const now = this.deps.clock.now();
      if (now - this.lastMaintenance > MAINTENANCE_INTERVAL_MS) {
        this.lastMaintenance = now;
        await this.maintenance(now);
      }
    } catch (error) {
      this.deps.log.error({ err: error }, 'delivery worker tick failed');
    } finally {
      this.ticking = false;
    }
    if (!this.running) return;
    const again = started > 0 || this.wakeRequested;
    this.wakeRequested = false;
    // With work found, keep going as soon as a slot frees up; otherwise poll.
    if (again) {
      if (this.inFlight.size >= this.deps.config.delivery.concurrency) {
        await Promise.race(this.inFlight.keys());
      }
      this.schedule(0);
    } else {
      // A destination held back only by its request pacing is due again sooner than the poll interval.
      const poll = this.deps.config.delivery.pollIntervalMs;
      const paced = pacedUntil === null ? poll : Math.max(1, pacedUntil - this.deps.clock.now());
      this.schedule(Math.min(poll, paced));
    }
  }

  async maintenance(now: number): Promise<void> {
    const { storage, webhooks } = this.deps;
    const dead = await expireDeliveries(
      storage.db,
      now,
      webhooks ? (trx, expired) => announceExpired(trx, storage.dialect, webhooks, expired, now) : undefined,
    );
    if (dead > 0) this.deps.metrics?.outcome('all', 'dead', dead);
    await eraseFinishedEvents(this.deps.storage.db, now);
    await deleteExpiredDedupKeys(this.deps.storage.db, now);
  }

  /**
   * Starts batches for due destinations up to the concurrency limit. Returns how many started, and the
   * earliest time a due destination that was only held back by its pacing may go.
   */
  private async tickOnce(): Promise<{ started: number; pacedUntil: number | null }> {
    const { concurrency } = this.deps.config.delivery;
    const free = concurrency - this.inFlight.size;
    if (free <= 0) return { started: 0, pacedUntil: null };
    const now = this.deps.clock.now();
    const due = await dueDestinationIds(
      this.deps.storage.db,
      now,
      concurrency * 4,
      await this.window.receivedFrom(now),
    );
    let started = 0;
    let pacedUntil: number | null = null;
    const running = new Map<string, number>();
    for (const id of this.inFlight.values()) running.set(id, (running.get(id) ?? 0) + 1);
    // A lone backlog may fill every slot: its batches overlap (one is leased or opened while others wait for
    // the database or the platform), which a drain on PostgreSQL needs, its worker idle half the time with two
    // in flight. With several destinations due, a free slot goes to the one with the fewest batches in flight
    // (a stable sort keeps the database's order among equals), so a busy queue does not starve the others.
    const byLoad = due.sort((a, b) => (running.get(a) ?? 0) - (running.get(b) ?? 0));
    for (const destinationId of byLoad) {
      if (started >= free) break;
      const notBefore = this.notBefore.get(destinationId) ?? 0;
      if (notBefore > now) {
        pacedUntil = pacedUntil === null ? notBefore : Math.min(pacedUntil, notBefore);
        continue;
      }
      const gate = this.circuits.tryAcquire(destinationId, now);
      if (!gate.allowed) continue;
      const run = this.runBatch(destinationId, gate.probe)
        .catch((error) => {
          this.deps.log.error({ err: error, destinationId }, 'delivery batch failed');
          if (gate.probe) this.circuits.release(destinationId);
        })
        .finally(() => {
          this.inFlight.delete(run);
          // A freed slot may take the next batch at once (its queue may still hold more).
          this.wake();
        });
      this.inFlight.set(run, destinationId);
      started += 1;
    }
    return { started, pacedUntil };
  }

  private async runBatch(destinationId: string, probe: boolean): Promise<void> {
    const { storage, sealer, clock, config } = this.deps;
    const row = await getDestinationRow(storage.db, destinationId);
    if (row?.status !== 'active' || row.enabled !== 1) return;
    const adapter = getDestination(row.type as DestinationType);
    const parsed = adapter.parseConfig(openDestinationConfig(sealer, row));
    if (!parsed.ok) {
      await markDestinationStatus(
        storage.db,
        row.id,
        'needs_attention',
        `invalid configuration: ${parsed.errors.join('; ')}`,
        clock.now(),
      );
      return;
    }
    // Pace requests: at most limits.requestsPerSecond per destination from this worker.
    this.notBefore.set(destinationId, clock.now() + Math.ceil(1000 / adapter.limits.requestsPerSecond));

    // Leases and outcomes commit without waiting for the disk (Storage.withAsyncCommit): after a power
    // failure the worst case is sending the last batches again, which the platforms deduplicate by event id.
    const leaseNow = clock.now();
    const receivedFrom = await this.window.receivedFrom(leaseNow);
    const leased = await storage.withAsyncCommit((db) =>
      leaseBatch(db, storage.dialect, {
        destinationId,
        owner: this.owner,
        now: leaseNow,
        receivedFrom,
        leaseMs: config.delivery.leaseMs,
        limit: probe ? 1 : adapter.limits.maxBatchSize,
      }),
    );
    if (leased.deliveries.length === 0) {
      if (probe) this.circuits.release(destinationId);
      return;
    }
    // Outcome webhooks: for an org without subscribed endpoints this is a cache lookup and nothing more.
    const subscribers = this.deps.webhooks ? await outcomeSubscribers(this.deps.webhooks, row.org_id) : null;
    const eventInfo = new Map<string, OutcomeEventInfo>();
    if (subscribers) {
      for (const [pk, e] of leased.events)
        eventInfo.set(pk, { eventId: e.event_id, eventName: e.custom_event_name ?? e.event_name });
    }
    const outcomes = await this.deliver(row, adapter, parsed.config, leased);
    const now = clock.now();
    const webhooks = subscribers
      ? outcomeFanout({ subscribers, destination: row, events: eventInfo, outcomes, now })
      : undefined;
    const recorded = await storage.withAsyncCommit((db) =>
      recordOutcomes(db, storage.dialect, {
        owner: this.owner,
        now,
        outcomes,
        destination: row,
        ...(webhooks ? { webhooks } : {}),
      }),
    );
    if (recorded.refusedWebhookEndpoints.length > 0) {
      this.deps.log.warn(
        { endpoints: recorded.refusedWebhookEndpoints },
        'webhook endpoints at their pending cap: outcome messages not queued',
      );
      this.deps.metrics?.webhookRefused?.('delivery_outcome', recorded.refusedWebhookEndpoints.length);
    }
    const counts = new Map<string, number>();
    for (const o of outcomes) counts.set(o.outcome, (counts.get(o.outcome) ?? 0) + 1);
    for (const [outcome, count] of counts) this.deps.metrics?.outcome(row.type, outcome, count);
  }

  /** Opens the leased events, delivers them, and settles the destination's status and circuit. */
  private async deliver(
    row: DestinationRow,
    adapter: Destination<unknown>,
    destinationConfig: unknown,
    leased: LeasedBatch,
  ): Promise<DeliveryOutcome[]> {
    const { storage, sealer, clock, config } = this.deps;
    const type = row.type as DestinationType;
    const pause = this.deps.pause ?? nextTurn;
    const opened = await openEvents(
      sealer,
      {
        type,
        maxEventAgeSeconds: adapter.limits.maxEventAgeSeconds,
        leased: leased.deliveries,
        events: leased.events,
        groups: leased.groups,
        domain: await domainDeliveryDefaults(storage.db, row.domain_id),
        now: clock.now(),
      },
      pause,
    );
    // The sealed rows are not needed once opened: let them go before the requests are built.
    leased.events.clear();
    leased.groups.clear();
    if (opened.outbound.length === 0) return opened.outcomes;

    const batch = await deliverBatch(
      {
        sender: this.deps.sender,
        clock,
        retry: config.delivery,
        pause,
        ...(this.deps.random ? { random: this.deps.random } : {}),
        ...(this.deps.tokens ? { tokens: this.deps.tokens } : {}),
      },
      {
        adapter,
        config: destinationConfig,
        env: { baseUrl: config.platformUrls[type] },
        auth: { destinationId: row.id, urls: config.platformExtraUrls[type] },
        events: opened.outbound,
        deliveries: opened.deliveries,
        onRequestDone: (seconds) => this.deps.metrics?.requestDuration(row.type, seconds),
        onThrottled: (until) => this.notBefore.set(row.id, until),
      },
    );
    const { credentialsRejected, transientFailure, success } = batch;

    const at = clock.now();
    if (credentialsRejected !== null) {
      await markCredentialsRejectedAndNotify(storage.db, row, credentialsRejected, at);
      this.deps.log.warn(
        { destination: row.id, type: row.type },
        'destination credentials rejected; queue held',
      );
    } else if (success && row.last_error !== null) {
      await markDestinationStatus(storage.db, row.id, 'active', null, at);
    }
    if (transientFailure && !success) this.circuits.failure(row.id, at);
    else if (success) this.circuits.success(row.id);
    else this.circuits.release(row.id);
    return [...opened.outcomes, ...batch.outcomes];
  }
}
