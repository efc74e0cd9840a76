/**
 * The webhook dispatcher: runs beside the delivery worker (role worker/all). It leases due messages (an
 * expiring lease, so a crashed node's messages come back), signs each attempt (signing.ts), POSTs it through
 * the SSRF guard (lib/safe-url.ts: every address checked, the connection pinned, no redirects, one timeout),
 * records the attempt, and schedules the next one (schedule.ts) or finishes the message. An endpoint that
 * answers 410 Gone, or has failed without a success for 5 days, is disabled and the org's owners are mailed.
 * Its maintenance deletes old messages and attempts, and announces quota thresholds.
 */
import type { Config } from '../config.js';
import type { Clock } from '../lib/clock.js';
import type { Sealer } from '../lib/crypto.js';
import { randomId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { isPlan } from '../lib/plans.js';
import { postToUserUrl } from '../lib/safe-url.js';
import type { Mailer } from '../mail/mailer.js';
import type { Storage } from '../storage/db.js';
import { monthPeriod, periodUsage } from '../storage/repos/usage.js';
import {
  claimOnce,
  deleteOldWebhookData,
  disableWebhookEndpoint,
  failUnsentWebhookMessage,
  getWebhookEndpoints,
  type LeasedWebhookMessage,
  leaseWebhookMessages,
  noteEndpointFailure,
  noteEndpointSuccess,
  orgsSubscribedTo,
  ownerEmails,
  recordWebhookAttempt,
  releaseWebhookLeases,
  type WebhookEndpointRow,
} from '../storage/repos/webhooks.js';
import { emitWebhookEvent } from './emit.js';
import { retryDelay } from './schedule.js';
import { webhookHeaders } from './signing.js';

export interface WebhookMetrics {
  webhookAttempt(outcome: string, seconds: number): void;
  webhookRefused(type: string, count: number): void;
}

export interface DispatcherDeps {
  storage: Storage;
  sealer: Sealer;
  clock: Clock;
  config: Config;
  mailer: Mailer;
  log: Logger;
  metrics?: WebhookMetrics;
  /** Jitter source (tests pin it). */
  random?: () => number;
}

/** Continuous failure that disables an endpoint. */
export const DISABLE_AFTER_MS = 5 * 24 * 3600_000;
/** Attempts in flight to one endpoint from one dispatcher. */
export const PER_ENDPOINT_CONCURRENCY = 2;
/** The start of an answer's body kept with its attempt. */
export const RESPONSE_BODY_CHARS = 1024;
/** Quota thresholds announced once per month each. */
export const QUOTA_THRESHOLDS = [80, 100] as const;
const MAINTENANCE_INTERVAL_MS = 60_000;
const RETENTION_BATCH = 5_000;

/** Opens an endpoint's signing secrets: the current one, then the previous one while it is valid. */
export function signingSecrets(sealer: Sealer, endpoint: WebhookEndpointRow, now: number): string[] {
  const secrets = [sealer.open<string>(endpoint.secret_sealed, endpoint.id)];
  if (
    endpoint.previous_secret_sealed !== null &&
    endpoint.previous_secret_expires_at !== null &&
    endpoint.previous_secret_expires_at > now
  ) {
    secrets.push(sealer.open<string>(endpoint.previous_secret_sealed, endpoint.id));
  }
  return secrets;
}

export class WebhookDispatcher {
  readonly owner = `whk_${randomId(6)}`;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Map<Promise<void>, string>();
  private lastMaintenance = 0;
  private ticking = false;
  private wakeRequested = false;

  constructor(private readonly deps: DispatcherDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  wake(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops leasing, lets in-flight attempts finish (bounded), gives back what is still leased. */
  async stop(graceMs = this.deps.config.delivery.shutdownGraceMs): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const all = Promise.allSettled([...this.inFlight.keys()]);
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    await releaseWebhookLeases(this.deps.storage.db, this.deps.storage.dialect, this.owner);
  }

  /** Sends until nothing is due now (tests drive the clock and call this). */
  async drain(maxRounds = 1_000): Promise<void> {
    for (let round = 0; round < maxRounds; round += 1) {
      const started = await this.tickOnce();
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
    try {
      started = await this.tickOnce();
      const now = this.deps.clock.now();
      if (now - this.lastMaintenance > MAINTENANCE_INTERVAL_MS) {
        this.lastMaintenance = now;
        await this.maintenance(now);
      }
    } catch (error) {
      this.deps.log.error({ err: error }, 'webhook dispatcher tick failed');
    } finally {
      this.ticking = false;
    }
    if (!this.running) return;
    const again = started > 0 || this.wakeRequested;
    this.wakeRequested = false;
    if (again && this.inFlight.size >= this.deps.config.webhooks.concurrency) {
      await Promise.race(this.inFlight.keys());
    }
    this.schedule(again ? 0 : this.deps.config.delivery.pollIntervalMs);
  }

  /** Leases what fits in the free slots (per endpoint and overall) and starts sending it. */
  async tickOnce(): Promise<number> {
    const { storage, clock, config } = this.deps;
    const free = config.webhooks.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const running = new Map<string, number>();
    for (const id of this.inFlight.values()) running.set(id, (running.get(id) ?? 0) + 1);
    const busy = [...running].filter(([, n]) => n >= PER_ENDPOINT_CONCURRENCY).map(([id]) => id);
    const now = clock.now();
    const leased = await leaseWebhookMessages(storage.db, storage.dialect, {
      owner: this.owner,
      now,
      leaseMs: config.webhooks.timeoutMs + 60_000,
      limit: free,
      excludeEndpoints: busy,
    });
    if (leased.length === 0) return 0;
    const keep: LeasedWebhookMessage[] = [];
    const extra: string[] = [];
    for (const message of leased) {
      const n = running.get(message.endpoint_id) ?? 0;
      if (n >= PER_ENDPOINT_CONCURRENCY) extra.push(message.id);
      else {
        running.set(message.endpoint_id, n + 1);
        keep.push(message);
      }
    }
    await releaseWebhookLeases(storage.db, storage.dialect, this.owner, extra);
    const endpoints = new Map(
      (
        await getWebhookEndpoints(storage.db, storage.dialect, [...new Set(keep.map((m) => m.endpoint_id))])
      ).map((e) => [e.id, e]),
    );
    for (const message of keep) {
      const run = this.attempt(message, endpoints.get(message.endpoint_id))
        .catch((error) => this.deps.log.error({ err: error, message: message.id }, 'webhook attempt failed'))
        .finally(() => {
          this.inFlight.delete(run);
          this.wake();
        });
      this.inFlight.set(run, message.endpoint_id);
    }
    return keep.length;
  }

  private async attempt(
    message: LeasedWebhookMessage,
    endpoint: WebhookEndpointRow | undefined,
  ): Promise<void> {
    const { storage, sealer, clock, config } = this.deps;
    if (endpoint?.enabled !== 1) {
      // Disabled (or deleted) since it was queued: it fails like the endpoint's other pending messages.
      await failUnsentWebhookMessage(storage.db, {
        id: message.id,
        owner: this.owner,
        now: clock.now(),
        error: 'endpoint disabled',
      });
      return;
    }
    const sentAt = clock.now();
    const headers = webhookHeaders({
      id: message.id,
      timestampSeconds: Math.floor(sentAt / 1000),
      body: message.payload,
      secrets: signingSecrets(sealer, endpoint, sentAt),
    });
    const response = await postToUserUrl(endpoint.url, {
      headers: { ...headers },
      body: message.payload,
      timeoutMs: config.webhooks.timeoutMs,
      policy: { allowPrivate: config.management.allowPrivateNetworkTargets },
      maxBodyChars: RESPONSE_BODY_CHARS,
    });
    const at = clock.now();
    const attempt = message.attempts + 1;
    const base = {
      messageId: message.id,
      endpointId: endpoint.id,
      owner: this.owner,
      attempt,
      at,
      statusCode: response.statusCode,
      durationMs: response.durationMs,
      responseBody: response.body,
    };
    this.deps.metrics?.webhookAttempt(
      response.ok ? 'delivered' : response.statusCode === null ? 'network' : String(response.statusCode),
      response.durationMs / 1000,
    );
    if (response.ok) {
      await recordWebhookAttempt(storage.db, {
        ...base,
        outcome: 'delivered',
        error: null,
        status: 'delivered',
        nextAttemptAt: at,
      });
      await noteEndpointSuccess(storage.db, endpoint.id);
      return;
    }
    if (response.statusCode === 410) {
      await recordWebhookAttempt(storage.db, {
        ...base,
        outcome: 'gone',
        error: response.error,
        status: 'failed',
        nextAttemptAt: at,
      });
      await this.disable(endpoint, 'gone', at);
      return;
    }
    const delay = retryDelay(attempt, this.deps.random);
    await recordWebhookAttempt(storage.db, {
      ...base,
      outcome: delay === null ? 'failed' : 'retry',
      error: response.error,
      status: delay === null ? 'failed' : 'pending',
      nextAttemptAt: delay === null ? at : at + delay,
    });
    const failingSince = await noteEndpointFailure(storage.db, endpoint.id, at);
    if (at - failingSince >= DISABLE_AFTER_MS) await this.disable(endpoint, 'failing', at);
  }

  /** Disables the endpoint (once) and tells the org's owners why. */
  private async disable(
    endpoint: WebhookEndpointRow,
    reason: 'gone' | 'failing',
    now: number,
  ): Promise<void> {
    const { storage, mailer, log } = this.deps;
    const changed = await disableWebhookEndpoint(storage.db, endpoint.id, reason, now);
    if (!changed) return;
    log.warn({ endpoint: endpoint.id, org: endpoint.org_id, reason }, 'webhook endpoint disabled');
    const why =
      reason === 'gone'
        ? 'it answered 410 Gone, which means it no longer wants messages'
        : 'every attempt to reach it has failed for 5 days';
    const base = this.deps.config.management.publicBaseUrl;
    for (const to of await ownerEmails(storage.db, endpoint.org_id)) {
      try {
        await mailer.send({
          to,
          subject: 'Tagbridge: a webhook endpoint was disabled',
          text: [
            `The webhook endpoint ${endpoint.id} (${endpoint.url}) was disabled because ${why}.`,
            '',
            'Its pending messages were marked failed; they stay listed, and each can be resent.',
            `Fix the receiver, then enable it again: PATCH ${base}/v1/org/webhooks/${endpoint.id} {"enabled": true}`,
          ].join('\n'),
        });
      } catch (error) {
        log.error({ err: error, to }, 'could not mail the disabled-webhook notice');
      }
    }
  }

  /** Retention, then the quota thresholds of orgs that subscribe to them. */
  async maintenance(now: number): Promise<void> {
    const { storage, config } = this.deps;
    const cutoff = now - config.webhooks.retentionMs;
    await deleteOldWebhookData(storage.db, {
      cutoff,
      // A quota claim must outlive its month.
      claimCutoff: Math.min(cutoff, now - 62 * 24 * 3600_000),
      limit: RETENTION_BATCH,
    });
    await this.quotaWarnings(now);
  }

  /**
   * `usage.quota_warning`: checked here rather than on the ingest path (it costs the proxy nothing); an org
   * is told within a maintenance interval of crossing a threshold, once per threshold and month, on
   * every node (the claim is a row).
   */
  async quotaWarnings(now: number): Promise<void> {
    const { storage, config } = this.deps;
    const period = monthPeriod(now);
    const month = period.startDay.slice(0, 7);
    for (const { orgId, plan } of await orgsSubscribedTo(storage.db, 'usage.quota_warning')) {
      const limit = isPlan(plan) ? config.planQuotas[plan] : config.planQuotas.free;
      if (limit === null || limit <= 0) continue;
      const { requests } = await periodUsage(storage.db, orgId, now);
      for (const threshold of QUOTA_THRESHOLDS) {
        if (requests * 100 < limit * threshold) continue;
        await storage.db.transaction().execute(async (trx) => {
          if (!(await claimOnce(trx, orgId, `usage.quota_warning:${month}:${threshold}`, now))) return;
          await emitWebhookEvent(trx, {
            orgId,
            type: 'usage.quota_warning',
            data: { thresholdPercent: threshold, plan, limit, used: requests, period: month },
            now,
          });
        });
      }
    }
  }
}
