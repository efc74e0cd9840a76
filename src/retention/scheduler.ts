/**
 * Runs a retention pass (run.ts) on every worker node every RETENTION_INTERVAL_MINUTES, the first one an
 * interval after start (a fleet of workers that restart now and then still runs passes: each node's clock
 * starts on its own, and a pass that finds nothing costs an index probe per table). Several workers may run passes at the same time: each deletes by condition, in batches, so
 * they only share the work (a row is deleted once; the other's statement finds it gone).
 */
import type { Logger } from '../lib/logger.js';
import { type RetentionDeps, runRetention } from './run.js';

export class RetentionScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly signal = { stopped: false };

  constructor(
    private readonly deps: RetentionDeps & { log: Logger },
    private readonly firstDelayMs = deps.config.retention.intervalMs,
  ) {}

  start(): void {
    this.signal.stopped = false;
    this.schedule(this.firstDelayMs);
  }

  private schedule(delayMs: number): void {
    if (this.signal.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = null;
        this.schedule(this.deps.config.retention.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      await runRetention(this.deps, { signal: this.signal });
    } catch (error) {
      this.deps.log.error({ err: error }, 'retention pass failed');
    }
  }

  /** Stops scheduling; a pass in progress stops after its current statement. */
  async stop(): Promise<void> {
    this.signal.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }
}
