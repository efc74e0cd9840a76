/**
 * Per-destination circuit breaker (in-process). After `threshold` consecutive transient failures (5xx,
 * timeouts, network errors) the circuit opens: the destination's queue waits, without burning attempts,
 * for `openMs`. Then one small probe batch is let through; success closes the circuit and the queue
 * drains, failure opens it again.
 */
export type CircuitState = 'closed' | 'open' | 'half_open';

interface Entry {
  failures: number;
  openUntil: number;
  probing: boolean;
}

export class CircuitBreakers {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: { threshold: number; openMs: number }) {}

  private entry(id: string): Entry {
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { failures: 0, openUntil: 0, probing: false };
      this.entries.set(id, entry);
    }
    return entry;
  }

  state(id: string, now: number): CircuitState {
    const entry = this.entries.get(id);
    if (!entry || entry.failures < this.options.threshold) return 'closed';
    return now < entry.openUntil ? 'open' : 'half_open';
  }

  /** May a batch be sent now? In half-open state only one probe at a time. */
  tryAcquire(id: string, now: number): { allowed: boolean; probe: boolean } {
    const state = this.state(id, now);
    if (state === 'closed') return { allowed: true, probe: false };
    if (state === 'open') return { allowed: false, probe: false };
    const entry = this.entry(id);
    if (entry.probing) return { allowed: false, probe: false };
    entry.probing = true;
    return { allowed: true, probe: true };
  }

  success(id: string): void {
    this.entries.delete(id);
  }

  failure(id: string, now: number): void {
    const entry = this.entry(id);
    entry.failures += 1;
    entry.probing = false;
    if (entry.failures >= this.options.threshold) entry.openUntil = now + this.options.openMs;
  }

  /** A probe that ended without a verdict (e.g. throttled) lets the next probe through. */
  release(id: string): void {
    const entry = this.entries.get(id);
    if (entry) entry.probing = false;
  }

  openCount(now: number): number {
    let count = 0;
    for (const id of this.entries.keys()) if (this.state(id, now) === 'open') count += 1;
    return count;
  }
}
