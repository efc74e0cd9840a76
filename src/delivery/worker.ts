/**
 * The delivery worker: leases due deliveries per destination, opens the events' sealed data, lets the
 * destination build its requests, sends them, classifies the answers and records every outcome.
 */
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Config } from '../config.js';
import { getDestination } from '../destinations/registry.js';
import type {
  Classification,
  Destination,
  DestinationType,
  EventName,
  OutboundEvent,
} from '../destinations/types.js';
import type { SealedPayload } from '../ingest/prepare.js';
import type { Clock } from '../lib/clock.js';
import type { Sealer } from '../lib/crypto.js';
import { randomId } from '../lib/ids.js';
import type { Storage } from '../storage/db.js';
import { canRebuildEvent } from '../storage/event-rebuild.js';
import {
  type DeliveryOutcome,
  deleteExpiredDedupKeys,
  dueDestinationIds,
  eraseFinishedEvents,
  eventsByPk,
  expireDeliveries,
  leaseDeliveries,
  recordOutcomes,
  releaseLeases,
} from '../storage/repos/deliveries.js';
import {
  getDestinationRow,
  markDestinationStatus,
  openDestinationConfig,
} from '../storage/repos/destinations.js';
import type { Delivery, DestinationRow } from '../storage/schema.js';
import { backoffDelay } from './backoff.js';
import { CircuitBreakers } from './circuit.js';
import type { HttpSender } from './http-client.js';

export interface WorkerMetrics {
  outcome(destinationType: string, outcome: string, count: number): void;
  requestDuration(destinationType: string, seconds: number): void;
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
}

const MAINTENANCE_INTERVAL_MS = 30_000;
// Two batches of one destination in flight: one is built while the other waits for the platform. More
// only adds memory (a batch holds up to 2,000 opened events), not speed.
const MAX_BATCHES_PER_DESTINATION = 2;

interface BatchState {
  credentialsRejected: string | null;
  transientFailure: boolean;
  success: boolean;
}

/** What one destination batch's sends share. */
interface SendContext {
  row: DestinationRow;
  adapter: Destination<unknown>;
  destinationConfig: unknown;
  baseUrl: string;
  byRef: Map<string, Delivery>;
  events: Map<string, OutboundEvent>;
  outcomes: DeliveryOutcome[];
}

export class DeliveryWorker {
  readonly owner = `wrk_${randomId(6)}`;
  readonly circuits: CircuitBreakers;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Map<Promise<void>, string>();
  /** Per-destination earliest next request (request-rate limits and throttling). */
  private readonly notBefore = new Map<string, number>();
  private lastMaintenance = 0;
  private ticking = false;
  private wakeRequested = false;

  constructor(private readonly deps: WorkerDeps) {
    this.circuits = new CircuitBreakers({
      threshold: deps.config.delivery.circuitFailureThreshold,
      openMs: deps.config.delivery.circuitOpenMs,
    });
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
    const dead = await expireDeliveries(this.deps.storage.db, now);
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
    const due = await dueDestinationIds(this.deps.storage.db, now, concurrency * 4);
    let started = 0;
    let pacedUntil: number | null = null;
    const running = new Map<string, number>();
    for (const id of this.inFlight.values()) running.set(id, (running.get(id) ?? 0) + 1);
    for (const destinationId of due) {
      if (started >= free) break;
      if ((running.get(destinationId) ?? 0) >= MAX_BATCHES_PER_DESTINATION) continue;
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

    const leased = await leaseDeliveries(storage.db, storage.dialect, {
      destinationId,
      owner: this.owner,
      now: clock.now(),
      leaseMs: config.delivery.leaseMs,
      limit: probe ? 1 : adapter.limits.maxBatchSize,
    });
    if (leased.length === 0) {
      if (probe) this.circuits.release(destinationId);
      return;
    }
    const outcomes = await this.deliver(row, adapter, parsed.config, leased);
    await recordOutcomes(storage.db, storage.dialect, { owner: this.owner, now: clock.now(), outcomes });
    const counts = new Map<string, number>();
    for (const o of outcomes) counts.set(o.outcome, (counts.get(o.outcome) ?? 0) + 1);
    for (const [outcome, count] of counts) this.deps.metrics?.outcome(row.type, outcome, count);
  }

  private async deliver(
    row: DestinationRow,
    adapter: Destination<unknown>,
    destinationConfig: unknown,
    leased: Delivery[],
  ): Promise<DeliveryOutcome[]> {
    const { storage, sealer, clock, config } = this.deps;
    const now = clock.now();
    const outcomes: DeliveryOutcome[] = [];
    const byRef = new Map<string, Delivery>();
    const events = await eventsByPk(
      storage.db,
      leased.map((d) => d.event_pk),
    );
    const domain = await storage.db
      .selectFrom('domains')
      .select(['default_country', 'shop_url'])
      .where('id', '=', row.domain_id)
      .executeTakeFirst();
    const finalOutcome = (
      delivery: Delivery,
      status: 'failed' | 'skipped',
      outcome: string,
      message: string,
    ) => outcomes.push({ delivery, status, attempted: false, statusCode: null, outcome, message });

    const outbound: OutboundEvent[] = [];
    const maxAgeSeconds = adapter.limits.maxEventAgeSeconds;
    for (const delivery of leased) {
      const event = events.get(delivery.event_pk);
      if (!event) {
        finalOutcome(delivery, 'failed', 'rejected', 'event not found');
        continue;
      }
      if (event.event_time < now / 1000 - maxAgeSeconds) {
        finalOutcome(
          delivery,
          'failed',
          'rejected',
          `event is older than ${row.type}'s maximum age of ${Math.round(maxAgeSeconds / 86400)} days`,
        );
        continue;
      }
      let payload: SealedPayload = { u: {} };
      if (event.pii_sealed) {
        try {
          payload = sealer.open<SealedPayload>(event.pii_sealed, event.id);
        } catch (error) {
          finalOutcome(
            delivery,
            'failed',
            'rejected',
            `cannot open sealed data: ${(error as Error).message}`,
          );
          continue;
        }
      } else if (!canRebuildEvent({ sealed: false, matchKeys: event.match_keys, source: event.source })) {
        finalOutcome(delivery, 'failed', 'rejected', 'personal data was already erased');
        continue;
      }
      const passthrough = payload.m?.[row.type as DestinationType];
      if (event.source === 'PMW' && !passthrough) {
        finalOutcome(delivery, 'skipped', 'skipped', `no ${row.type} member in the event`);
        continue;
      }
      byRef.set(delivery.id, delivery);
      // Website events need a page URL (Meta rejects them without one): the shop's own URL stands in.
      const pageUrl = event.event_source_url ?? domain?.shop_url ?? null;
      outbound.push({
        ref: delivery.id,
        eventName: event.event_name as EventName,
        ...(event.custom_event_name ? { customEventName: event.custom_event_name } : {}),
        eventId: event.event_id,
        eventTime: event.event_time,
        ...(pageUrl ? { eventSourceUrl: pageUrl } : {}),
        userData: payload.u,
        customData: event.custom_data ? JSON.parse(event.custom_data) : {},
        defaultCountry: domain?.default_country ?? 'US',
        ...(passthrough ? { passthrough } : {}),
      });
    }
    if (outbound.length === 0) return outcomes;

    const state: BatchState = { credentialsRejected: null, transientFailure: false, success: false };
    const context: SendContext = {
      row,
      adapter,
      destinationConfig,
      baseUrl: config.platformUrls[row.type as DestinationType],
      byRef,
      events: new Map(outbound.map((e) => [e.ref, e])),
      outcomes,
    };
    await this.sendEvents(context, outbound, state);
    const { credentialsRejected, transientFailure, success } = state;

    const at = clock.now();
    if (credentialsRejected !== null) {
      await storage.db
        .updateTable('destinations')
        .set({ status: 'needs_attention', last_error: credentialsRejected, updated_at: at })
        .where('id', '=', row.id)
        .where('config_version', '=', row.config_version)
        .execute();
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
    return outcomes;
  }

  /**
   * Builds and sends requests for `events`, appending one outcome per delivery. A request rejected as a
   * whole (not for its credentials) is bisected and resent: Meta, TikTok and Reddit reject a batch for one
   * invalid event, and the valid ones must still arrive.
   */
  private async sendEvents(ctx: SendContext, events: OutboundEvent[], state: BatchState): Promise<void> {
    const { clock, config } = this.deps;
    const { row, adapter, byRef, outcomes } = ctx;
    const built = adapter.build(events, ctx.destinationConfig, { baseUrl: ctx.baseUrl });
    for (const skip of built.skipped) {
      const delivery = byRef.get(skip.ref);
      if (delivery) {
        outcomes.push({
          delivery,
          status: 'skipped',
          attempted: false,
          statusCode: null,
          outcome: 'skipped',
          message: skip.reason,
        });
      }
    }
    for (const req of built.requests) {
      const started = performance.now();
      const sent = await this.deps.sender.send(req);
      this.deps.metrics?.requestDuration(row.type, (performance.now() - started) / 1000);
      const delivered = req.refs.map((ref) => byRef.get(ref)).filter((d): d is Delivery => d !== undefined);
      const at = clock.now();
      if (!sent.ok) {
        state.transientFailure = true;
        for (const d of delivered)
          outcomes.push(this.retryOutcome(d, at, null, sent.kind, sent.message, undefined));
        continue;
      }
      const verdict: Classification = adapter.classify(sent.response, req);
      const status = sent.response.status;
      const final = (d: Delivery, ok: boolean, message: string | null): DeliveryOutcome => ({
        delivery: d,
        status: ok ? 'delivered' : 'failed',
        attempted: true,
        statusCode: status,
        outcome: ok ? 'delivered' : 'rejected',
        message,
      });
      switch (verdict.kind) {
        case 'delivered':
          state.success = true;
          for (const d of delivered) outcomes.push(final(d, true, null));
          break;
        case 'partial': {
          state.success = true;
          const failed = new Map(verdict.failures.map((f) => [f.ref, f.message]));
          for (const d of delivered) {
            const message = failed.get(d.id);
            outcomes.push(final(d, message === undefined, message ?? null));
          }
          break;
        }
        case 'rejected': {
          if (!verdict.credentials && req.refs.length > 1) {
            const subset = req.refs
              .map((ref) => ctx.events.get(ref))
              .filter((e): e is OutboundEvent => e !== undefined);
            const middle = Math.ceil(subset.length / 2);
            await this.sendEvents(ctx, subset.slice(0, middle), state);
            await this.sendEvents(ctx, subset.slice(middle), state);
            break;
          }
          // Permanent: no retry. Bad credentials also hold the destination's queue (needs_attention).
          if (verdict.credentials) state.credentialsRejected = verdict.message;
          for (const d of delivered) outcomes.push(final(d, false, verdict.message));
          break;
        }
        case 'throttled':
          this.notBefore.set(row.id, at + (verdict.retryAfterMs ?? config.delivery.backoffBaseMs));
          for (const d of delivered) {
            outcomes.push(
              this.retryOutcome(d, at, status, 'throttled', verdict.message, verdict.retryAfterMs),
            );
          }
          break;
        case 'retry':
          state.transientFailure = true;
          for (const d of delivered) {
            outcomes.push(this.retryOutcome(d, at, status, 'retry', verdict.message, verdict.retryAfterMs));
          }
          break;
      }
    }
  }

  /** Pending again after a backoff (or the platform's Retry-After), or dead past the retry horizon. */
  private retryOutcome(
    delivery: Delivery,
    now: number,
    statusCode: number | null,
    outcome: string,
    message: string,
    retryAfterMs: number | undefined,
  ): DeliveryOutcome {
    const { backoffBaseMs, backoffCapMs } = this.deps.config.delivery;
    const delay =
      retryAfterMs ??
      backoffDelay(delivery.attempts + 1, { baseMs: backoffBaseMs, capMs: backoffCapMs }, this.deps.random);
    const next = now + delay;
    if (next > delivery.give_up_at) {
      return {
        delivery,
        status: 'dead',
        attempted: true,
        statusCode,
        outcome,
        message: `${message} (retry horizon reached)`,
      };
    }
    return {
      delivery,
      status: 'pending',
      attempted: true,
      nextAttemptAt: next,
      statusCode,
      outcome,
      message,
    };
  }
}
