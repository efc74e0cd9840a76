/**
 * Composition root: config → storage → migrations → services → http and/or worker; signals.
 */
import type { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import type { CatalogueSyncer } from './catalogue/syncer.js';
import type { Config } from './config.js';
import type { HttpSender } from './delivery/http-client.js';
import type { DeliveryWorker } from './delivery/worker.js';
import { proxyHostCheck } from './http/metrics-access.js';
import { type OpsServer, startOpsServer } from './http/ops-server.js';
import type { App } from './http/types.js';
import { SharedIpTracker } from './ingest/diagnostics.js';
import { DomainContextCache } from './ingest/domain-context.js';
import { QuotaTracker } from './ingest/quota.js';
import { GroupCommitWriter } from './ingest/writer.js';
import { type CacheBus, cacheChannel, LocalCacheBus, RedisCacheBus } from './lib/cache-bus.js';
import { type Clock, systemClock } from './lib/clock.js';
import { Sealer } from './lib/crypto.js';
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from './lib/rate-limiter.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { Metrics, QUEUE_DEPTH_REFRESH_MS } from './metrics.js';
import type { ShopWebhookProcessor } from './orders/webhook-processor.js';
import { pixelKeyCache } from './pixel/keys.js';
import { ensurePartitions } from './retention/partitions.js';
import type { RetentionScheduler } from './retention/scheduler.js';
import { openStorage, type Storage } from './storage/db.js';
import { migrateToLatest } from './storage/migrate.js';
import { type Outbox, openOutbox } from './storage/repos/outbox.js';
import type { WebhookDispatcher } from './webhooks/dispatcher.js';
import { WebhookSubscriptions } from './webhooks/subscriptions.js';

export type Role = 'api' | 'worker' | 'all';

export interface Service {
  config: Config;
  storage: Storage;
  sealer: Sealer;
  app: App | null;
  worker: DeliveryWorker | null;
  /** The shop webhook inbox's processor (worker roles). */
  orders: ShopWebhookProcessor | null;
  /** Outbound webhooks' sender (worker roles). */
  webhooks: WebhookDispatcher | null;
  /** The stores' catalogue sync scheduler (worker roles). */
  catalogue: CatalogueSyncer | null;
  /** Retention passes (worker roles; src/retention/). */
  retention: RetentionScheduler | null;
  /** Which endpoints subscribe to what, cached per process (invalidated by the management use cases). */
  webhookSubscriptions: WebhookSubscriptions;
  writer: GroupCommitWriter;
  /** The writer's outbox (SQLite: its writer thread). */
  outbox: Outbox;
  domains: DomainContextCache;
  /** Announces changes to every node's caches (over Redis when REDIS_URL is set). */
  caches: CacheBus;
  metrics: Metrics;
  /** The bound address when listening (a worker's too: it answers /health there). */
  address: string | null;
  /** The METRICS_PORT listener's address, when configured and listening. */
  metricsAddress: string | null;
  close(): Promise<void>;
}

export interface StartOptions {
  role: Role;
  listen?: boolean;
  clock?: Clock;
  /** PostgreSQL schema (tests). */
  pgSchema?: string;
  logger?: Logger;
  /** Tests may capture mail instead of sending it. */
  mailer?: Mailer;
}

export async function startService(config: Config, options: StartOptions): Promise<Service> {
  const clock = options.clock ?? systemClock;
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteSynchronous: config.sqliteSynchronous,
    ...(options.pgSchema || config.databaseSchema
      ? { pgSchema: options.pgSchema ?? config.databaseSchema }
      : {}),
  });
  await migrateToLatest(storage);
  const sealer = new Sealer(config.encryptionKeys);
  const logger = options.logger ?? pino({ level: config.logLevel });
  // PostgreSQL: today's and the next days' partitions exist before the first event (every node, idempotent).
  await ensurePartitions(storage, clock.now(), { log: logger });
  // The queue depth is the workers' to report (an API node's series would only repeat it).
  const metrics = new Metrics(options.role === 'api' ? undefined : storage.db);
  // ioredis is loaded only when Redis is configured.
  const redis: Redis | null = config.redisUrl
    ? new (await import('ioredis')).Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 })
    : null;
  const rateLimiter: RateLimiter = redis ? new RedisRateLimiter(redis, clock) : new MemoryRateLimiter(clock);
  const caches = redis
    ? new RedisCacheBus(
        redis,
        // Its own connection (a subscribed one runs no other command), waiting as long as it takes.
        redis.duplicate({ maxRetriesPerRequest: null }),
        cacheChannel(options.pgSchema ?? config.databaseSchema),
        logger,
      )
    : new LocalCacheBus();
  const domains = new DomainContextCache(storage.db, clock);
  const quota = new QuotaTracker(storage.db, clock, config.planQuotas, undefined, redis);
  const webhookSubscriptions = new WebhookSubscriptions(storage.db, clock);
  // Every per-process cache of tenant state: what an announced change of an org drops.
  caches.register((orgId) => domains.drop(orgId));
  caches.register((orgId) => pixelKeyCache(storage.db, clock).drop(orgId));
  caches.register((orgId) => quota.drop(orgId));
  caches.register((orgId) => webhookSubscriptions.invalidate(orgId ?? undefined));
  if (caches instanceof RedisCacheBus) {
    // Serve only once changes made elsewhere are heard; a Redis that does not answer is logged, not waited for.
    const listening = await Promise.race([
      caches.ready().then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 5000).unref()),
    ]);
    if (!listening) logger.warn('cache invalidation: Redis not subscribed yet, caches rely on their TTL');
  }

  let worker: DeliveryWorker | null = null;
  let orders: ShopWebhookProcessor | null = null;
  let webhooks: WebhookDispatcher | null = null;
  let catalogue: CatalogueSyncer | null = null;
  let retention: RetentionScheduler | null = null;
  let sender: HttpSender | null = null;
  const mailer: Mailer = options.mailer ?? createMailer(config, logger);
  const outbox = openOutbox(storage, {
    sealKey: config.encryptionKeys[0]!,
    testThreadDelayMs: config.ingest.groupCommitTestThreadDelayMs,
    // Its pending requests already failed; the next group starts a new thread.
    onThreadExit: (error) => logger.error({ err: error }, 'outbox writer thread died'),
    // A worker-only process never ingests: no writer thread unless something commits. Its main connection
    // then checkpoints on its own commits, which hold only the drain's loop (no request waits on it), and it
    // saves the thread's isolate (~10 MB: the drain measured 197 MB peak without it, 202-210 MB with it).
    lazy: options.role === 'worker',
    // PostgreSQL commits several groups at once (the pool has more connections than that).
    postgresConcurrency: 3,
  });
  const writer = new GroupCommitWriter(
    outbox,
    clock,
    {
      maxEvents: config.ingest.groupCommitMaxEvents,
      maxWaitMs: config.ingest.groupCommitMaxWaitMs,
      dedupWindowMs: config.proxy.dedupWindowSeconds * 1000,
      testCommitDelayMs: config.ingest.groupCommitTestDelayMs,
    },
    () => worker?.wake(),
  );

  let app: App | null = null;
  if (options.role !== 'worker') {
    // Loaded only by nodes that serve HTTP: a worker never pays for Fastify, the routes and their
    // compiled schemas (~20 MB of a worker's memory).
    const { buildApp } = await import('./http/app.js');
    app = await buildApp({
      config,
      storage,
      sealer,
      clock,
      writer,
      domains,
      quota,
      sharedIps: new SharedIpTracker(),
      rateLimiter,
      caches,
      metrics,
      mailer,
      logger,
      wakeDelivery: () => worker?.wake(),
      wakeOrders: () => orders?.wake(),
      webhookSubscriptions,
      wakeWebhooks: () => webhooks?.wake(),
      wakeCatalogue: () => catalogue?.wake(),
    });
  }
  if (options.role !== 'api') {
    // Loaded only by nodes that run them: an API node never pays for the delivery worker, the shop webhook
    // processor, the webhook dispatcher, the catalogue sync and retention (nor the modules only they use).
    const [
      { UndiciSender },
      { DeliveryWorker },
      { ShopWebhookProcessor },
      { WebhookDispatcher },
      { CatalogueSyncer },
      { realWaits, storeTransport },
      { RetentionScheduler },
    ] = await Promise.all([
      import('./delivery/http-client.js'),
      import('./delivery/worker.js'),
      import('./orders/webhook-processor.js'),
      import('./webhooks/dispatcher.js'),
      import('./catalogue/syncer.js'),
      import('./catalogue/store-client.js'),
      import('./retention/scheduler.js'),
    ]);
    sender = new UndiciSender(config.delivery.requestTimeoutMs);
    worker = new DeliveryWorker({
      storage,
      sealer,
      clock,
      config,
      sender,
      log: logger,
      metrics,
      webhooks: webhookSubscriptions,
    });
    worker.start();
    orders = new ShopWebhookProcessor(
      { storage, sealer, clock, config, writer, quota, metrics, domains, sharedIps: new SharedIpTracker() },
      logger,
    );
    orders.start();
    webhooks = new WebhookDispatcher({ storage, sealer, clock, config, mailer, log: logger, metrics });
    webhooks.start();
    // Its waits are real time (pacing toward the stores), whatever clock the service runs on.
    catalogue = new CatalogueSyncer(
      { storage, sealer, clock, config, transport: storeTransport(config), waits: realWaits },
      logger,
    );
    catalogue.start();
    retention = new RetentionScheduler({ storage, config, clock, log: logger });
    retention.start();
  }

  // Metrics are read from memory on a scrape; the queue depth alone needs the database, on its schedule,
  // and only where metrics are served at all.
  const stopQueueDepth =
    config.metrics.port !== null || config.metrics.token !== null
      ? metrics.startQueueDepthRefresh(QUEUE_DEPTH_REFRESH_MS, (error) =>
          logger.warn({ err: error }, 'queue depth not refreshed'),
        )
      : async () => {};

  let address: string | null = null;
  let metricsAddress: string | null = null;
  const opsServers: OpsServer[] = [];
  if (options.listen !== false) {
    const opsCommon = {
      config,
      metrics: { contentType: metrics.registry.contentType, text: () => metrics.registry.metrics() },
      isProxyHost: proxyHostCheck({ domains }),
    };
    if (app) {
      address = await app.listen({ port: config.port, host: config.host });
    } else {
      // A worker answers /health (and /metrics behind METRICS_TOKEN) on PORT, so orchestrators can probe it.
      const server = await startOpsServer(
        { ...opsCommon, listener: 'port', storage },
        { port: config.port, host: config.host },
      );
      opsServers.push(server);
      address = server.address;
    }
    if (config.metrics.port !== null) {
      const server = await startOpsServer(
        { ...opsCommon, listener: 'metrics-port' },
        { port: config.metrics.port, host: config.host },
      );
      opsServers.push(server);
      metricsAddress = server.address;
    }
  }

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // Stop accepting; in-flight requests finish (their group commit flushes within milliseconds).
      if (app) await app.close();
      await Promise.all(opsServers.map((server) => server.close()));
      await stopQueueDepth();
      // The webhook processor writes through the writer: it stops first.
      if (orders) await orders.stop();
      await writer.close();
      if (worker) await worker.stop();
      if (webhooks) await webhooks.stop();
      if (catalogue) await catalogue.stop();
      if (retention) await retention.stop();
      if (sender) await sender.close();
      mailer.close();
      await caches.close();
      if (redis) redis.disconnect();
      await storage.close();
    })();
    return closing;
  };

  return {
    config,
    storage,
    sealer,
    app,
    worker,
    orders,
    webhooks,
    catalogue,
    retention,
    webhookSubscriptions,
    writer,
    outbox,
    domains,
    caches,
    metrics,
    address,
    metricsAddress,
    close,
  };
}
