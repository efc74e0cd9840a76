/**
 * The application's long-lived dependencies, built once by main.ts (the composition root) and handed to
 * the HTTP edge, the CLI and the use cases. Types only: this module builds nothing.
 */

import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { SharedIpTracker } from './ingest/diagnostics.js';
import type { DomainContextCache } from './ingest/domain-context.js';
import type { QuotaTracker } from './ingest/quota.js';
import type { GroupCommitWriter } from './ingest/writer.js';
import type { CacheBus } from './lib/cache-bus.js';
import type { Clock } from './lib/clock.js';
import type { Sealer } from './lib/crypto.js';
import type { RateLimiter } from './lib/rate-limiter.js';
import type { Mailer } from './mail/mailer.js';
import type { Metrics } from './metrics.js';
import type { Storage } from './storage/db.js';
import type { WebhookSubscriptions } from './webhooks/subscriptions.js';

export interface AppDeps {
  config: Config;
  storage: Storage;
  sealer: Sealer;
  clock: Clock;
  writer: GroupCommitWriter;
  domains: DomainContextCache;
  quota: QuotaTracker;
  /** Which IPs come with many different shoppers (events.diagnostics); per process, bounded. */
  sharedIps?: SharedIpTracker;
  rateLimiter: RateLimiter;
  /**
   * Announces changes of an org's state to every node's per-process caches (domain context, pixel keys,
   * quota, webhook subscriptions): over Redis when REDIS_URL is set (src/lib/cache-bus.ts).
   */
  caches: CacheBus;
  metrics: Metrics;
  mailer: Mailer;
  logger?: Logger;
  /** Wakes this process's delivery worker, if it runs one (replayed deliveries are due now). */
  wakeDelivery?: () => void;
  /** Wakes this process's shop webhook processor, if it runs one (a webhook was just stored). */
  wakeOrders?: () => void;
  /** The per-process subscription cache of outbound webhooks: endpoint changes drop the org's entry. */
  webhookSubscriptions?: WebhookSubscriptions;
  /** Wakes this process's webhook dispatcher, if it runs one (a resent or test message is due now). */
  wakeWebhooks?: () => void;
  /** Wakes this process's catalogue syncer, if it runs one (a store sync was asked for). */
  wakeCatalogue?: () => void;
}
