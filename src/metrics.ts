/**
 * Prometheus metrics, one registry per service instance (tests build many).
 *
 * A scrape costs the same whatever the backlog: it reads counters and histograms kept up to date in memory
 * and the queue-depth gauge as last refreshed. The refresh (one grouped count of the pending deliveries) runs
 * on its own schedule, every QUEUE_DEPTH_REFRESH_MS, never because of a scrape: a flood of scrapes costs the
 * database nothing (issue 14: a scrape used to count a 100,000-event backlog, 33–38 ms, each time).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkerMetrics } from './delivery/worker.js';
import { DESTINATION_TYPES } from './destinations/registry.js';
import type { IngestMetrics } from './ingest/accept.js';
import type { DB } from './storage/db.js';
import { pendingDeliveriesByType } from './storage/repos/outbox.js';
import type { WebhookMetrics } from './webhooks/dispatcher.js';

/** How old the queue-depth gauge may be: the horizontal autoscaler's signal needs no finer grain. */
export const QUEUE_DEPTH_REFRESH_MS = 15_000;

export class Metrics implements WorkerMetrics, IngestMetrics, WebhookMetrics {
  readonly registry = new Registry();
  readonly ingestRequests: Counter<'route' | 'status'>;
  readonly ingestEvents: Counter<'route' | 'result'>;
  readonly ingestLatency: Histogram<'route'>;
  readonly deliveryOutcomes: Counter<'destination' | 'outcome'>;
  readonly deliveryRequestSeconds: Histogram<'destination'>;
  readonly webhookAttempts: Histogram<'outcome'>;
  readonly webhookRefusals: Counter<'type'>;
  /** Pending deliveries per destination type, as last refreshed (only with a database: worker roles). */
  private readonly queueDepth: Gauge<'destination'> | null = null;
  private queueDepthAt = 0;
  /** The ingest routes' byte budget (src/http/ingest-budget.ts), once an app has one. */
  private ingestBudget: { inUse: number; waiting: number } | null = null;

  /** `db`: where the queue depth is counted; without it (API-only nodes) the gauge is not exported. */
  constructor(private readonly db?: DB) {
    this.ingestRequests = new Counter({
      name: 'tagbridge_ingest_requests_total',
      help: 'Ingest requests by route and HTTP status.',
      labelNames: ['route', 'status'],
      registers: [this.registry],
    });
    this.ingestEvents = new Counter({
      name: 'tagbridge_ingest_events_total',
      help: 'Ingested events by route and result (accepted, duplicate).',
      labelNames: ['route', 'result'],
      registers: [this.registry],
    });
    this.ingestLatency = new Histogram({
      name: 'tagbridge_ingest_duration_seconds',
      help: 'Time from request to durable answer.',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [this.registry],
    });
    this.deliveryOutcomes = new Counter({
      name: 'tagbridge_delivery_outcomes_total',
      help: 'Delivery attempt outcomes per destination type.',
      labelNames: ['destination', 'outcome'],
      registers: [this.registry],
    });
    this.deliveryRequestSeconds = new Histogram({
      name: 'tagbridge_delivery_request_duration_seconds',
      help: 'Duration of requests to the platforms.',
      labelNames: ['destination'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [this.registry],
    });
    this.webhookAttempts = new Histogram({
      name: 'tagbridge_webhook_attempt_duration_seconds',
      help: 'Outbound webhook attempts by outcome (delivered, an HTTP status, network) and their duration.',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [this.registry],
    });
    this.webhookRefusals = new Counter({
      name: 'tagbridge_webhook_refused_total',
      help: 'Webhook messages not queued because the endpoint held its maximum of pending messages.',
      labelNames: ['type'],
      registers: [this.registry],
    });
    const metrics = this;
    new Gauge({
      name: 'tagbridge_ingest_waiting_requests',
      help: 'Ingest requests waiting, unread, for their share of INGEST_MAX_INFLIGHT_BYTES.',
      registers: [this.registry],
      collect() {
        this.set(metrics.ingestBudget?.waiting ?? 0);
      },
    });
    new Gauge({
      name: 'tagbridge_ingest_inflight_bytes',
      help: 'Bytes of ingest request bodies being read, prepared or committed (by Content-Length).',
      registers: [this.registry],
      collect() {
        this.set(metrics.ingestBudget?.inUse ?? 0);
      },
    });
    if (db) {
      this.queueDepth = new Gauge({
        name: 'tagbridge_queue_depth',
        help: `Pending deliveries per destination type (refreshed every ${QUEUE_DEPTH_REFRESH_MS / 1000} s, not per scrape).`,
        labelNames: ['destination'],
        registers: [this.registry],
      });
      // Every type from the start: a destination without backlog is 0, not a missing series.
      for (const type of DESTINATION_TYPES) this.queueDepth.set({ destination: type }, 0);
      new Gauge({
        name: 'tagbridge_queue_depth_age_seconds',
        help: 'Seconds since tagbridge_queue_depth was last read from the database (-1: not yet).',
        registers: [this.registry],
        // In memory only: what a scrape may compute.
        collect() {
          this.set(metrics.queueDepthAt === 0 ? -1 : (Date.now() - metrics.queueDepthAt) / 1000);
        },
      });
    }
  }

  /** Exports the ingest byte budget's use (read at each scrape). */
  watchIngestBudget(budget: { inUse: number; waiting: number }): void {
    this.ingestBudget = budget;
  }

  /** Reads the queue depth from the database into the gauge: one statement, on the refresh schedule. */
  async refreshQueueDepth(): Promise<void> {
    if (!this.db || !this.queueDepth) return;
    const rows = await pendingDeliveriesByType(this.db);
    const counts = new Map<string, number>(DESTINATION_TYPES.map((type) => [type, 0]));
    for (const row of rows) counts.set(row.destinationType, row.count);
    for (const [destination, count] of counts) this.queueDepth.set({ destination }, count);
    this.queueDepthAt = Date.now();
  }

  /**
   * Refreshes the queue depth now and then every `intervalMs` until the returned function is called. A
   * failed refresh keeps the last values (their age shows it) and is reported to `onError`.
   */
  startQueueDepthRefresh(intervalMs: number, onError: (error: unknown) => void): () => Promise<void> {
    if (!this.db) return async () => {};
    let stopped = false;
    let timer: NodeJS.Timeout | null = null;
    let running: Promise<void> = Promise.resolve();
    const run = (): void => {
      running = this.refreshQueueDepth()
        .catch(onError)
        .finally(() => {
          if (!stopped) timer = setTimeout(run, intervalMs).unref();
        });
    };
    run();
    // Stopping waits for a refresh in flight: the database closes next.
    return async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    };
  }

  ingested(route: string, accepted: number, duplicate: number, seconds: number): void {
    this.ingestEvents.inc({ route, result: 'accepted' }, accepted);
    this.ingestEvents.inc({ route, result: 'duplicate' }, duplicate);
    this.ingestLatency.observe({ route }, seconds);
  }

  outcome(destinationType: string, outcome: string, count: number): void {
    this.deliveryOutcomes.inc({ destination: destinationType, outcome }, count);
  }

  requestDuration(destinationType: string, seconds: number): void {
    this.deliveryRequestSeconds.observe({ destination: destinationType }, seconds);
  }

  webhookAttempt(outcome: string, seconds: number): void {
    this.webhookAttempts.observe({ outcome }, seconds);
  }

  webhookRefused(type: string, count: number): void {
    this.webhookRefusals.inc({ type }, count);
  }
}
