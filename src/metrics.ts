/** Prometheus metrics, one registry per service instance (tests build many). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkerMetrics } from './delivery/worker.js';
import type { IngestMetrics } from './ingest/accept.js';
import type { DB } from './storage/db.js';
import { pendingDeliveriesByType } from './storage/repos/outbox.js';
import type { WebhookMetrics } from './webhooks/dispatcher.js';

export class Metrics implements WorkerMetrics, IngestMetrics, WebhookMetrics {
  readonly registry = new Registry();
  readonly ingestRequests: Counter<'route' | 'status'>;
  readonly ingestEvents: Counter<'route' | 'result'>;
  readonly ingestLatency: Histogram<'route'>;
  readonly deliveryOutcomes: Counter<'destination' | 'outcome'>;
  readonly deliveryRequestSeconds: Histogram<'destination'>;
  readonly webhookAttempts: Histogram<'outcome'>;
  readonly webhookRefusals: Counter<'type'>;

  constructor(db?: DB) {
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
    if (db) {
      new Gauge({
        name: 'tagbridge_queue_depth',
        help: 'Pending deliveries per destination type.',
        labelNames: ['destination'],
        registers: [this.registry],
        async collect() {
          const rows = await pendingDeliveriesByType(db);
          this.reset();
          for (const row of rows) this.set({ destination: row.destinationType }, row.count);
        },
      });
    }
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
