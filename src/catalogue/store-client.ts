/**
 * Requests to a store's API for the catalogue sync: under the outbound policy for user-supplied URLs,
 * at a polite rate (at most CATALOGUE_REQUESTS_PER_SECOND), retried with backoff on 429, 5xx, timeouts and
 * network errors (a Retry-After is honoured). Waiting goes through an injected `sleep` and `now`, so tests
 * never sleep for real.
 */
import type { Config } from '../config.js';
import { postToUserUrl } from '../lib/safe-url.js';

export interface StoreResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface StoreRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** One attempt: an answer, or why there was none. */
export type StoreTransport = (request: StoreRequest) => Promise<StoreResponse | { error: string }>;

/** Waiting, injected (tests move a manual clock instead of sleeping). */
export interface Waits {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realWaits: Waits = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A catalogue page can be a few megabytes (100 products with descriptions). */
const MAX_BODY_CHARS = 32 * 1024 * 1024;

export function storeTransport(config: Pick<Config, 'management' | 'catalogue'>): StoreTransport {
  return async (request) => {
    const res = await postToUserUrl(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body ?? '',
      timeoutMs: config.catalogue.requestTimeoutMs,
      policy: { allowPrivate: config.management.allowPrivateNetworkTargets },
      maxBodyChars: MAX_BODY_CHARS,
    });
    if (res.statusCode === null) return { error: res.error ?? 'no answer' };
    return { status: res.statusCode, headers: res.headers, body: res.body ?? '' };
  };
}

/** The store could not be read (after the retries); the run stops and resumes later from its cursor. */
export class StoreUnavailableError extends Error {}

/** The process is shutting down: the run stops where it is (its cursor is stored) and resumes later. */
export class RunStoppedError extends Error {
  constructor() {
    super('the sync was stopped (shutdown)');
  }
}

/** The store refused the credentials (401/403): the channel needs new ones. */
export class CredentialsRefusedError extends Error {}

export interface ClientSettings {
  requestsPerSecond: number;
  maxRetries: number;
  /** First retry delay, doubled each time up to `backoffCapMs`. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** A Retry-After longer than this is cut to it. */
  maxRetryAfterMs?: number;
}

/** Seconds, or an HTTP date, as a delay from `now`; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const retryable = (status: number): boolean => status === 429 || status >= 500;

export class StoreClient {
  private nextStartAt = 0;
  /** Requests sent (attempts included), for the run's summary. */
  requests = 0;

  constructor(
    private readonly transport: StoreTransport,
    private readonly settings: ClientSettings,
    private readonly waits: Waits,
    /** Called before each attempt (the runner renews its lease there). */
    private readonly beforeRequest: () => Promise<void> = async () => {},
    /** When given, long waits are cut into seconds and end early (RunStoppedError) once it says stop. */
    private readonly isStopped?: () => boolean,
  ) {}

  /** Waits `ms` (pacing, backoff, Shopify's bucket). */
  async wait(ms: number): Promise<void> {
    if (ms <= 0) return;
    if (this.isStopped === undefined) {
      await this.waits.sleep(ms);
      return;
    }
    for (let left = ms; left > 0; left -= 1000) {
      if (this.isStopped()) throw new RunStoppedError();
      await this.waits.sleep(Math.min(left, 1000));
    }
  }

  /** Sends with pacing and retries; returns the first non-retryable answer. */
  async send(request: StoreRequest): Promise<StoreResponse> {
    const base = this.settings.backoffBaseMs ?? 1000;
    const cap = this.settings.backoffCapMs ?? 60_000;
    const maxRetryAfter = this.settings.maxRetryAfterMs ?? 300_000;
    let lastProblem = '';
    for (let attempt = 0; attempt <= this.settings.maxRetries; attempt++) {
      await this.pace();
      if (this.isStopped?.()) throw new RunStoppedError();
      await this.beforeRequest();
      this.requests += 1;
      const answer = await this.transport(request);
      if (!('error' in answer) && !retryable(answer.status)) return answer;
      // The outbound policy refused the address (private network, plain http): retrying changes nothing.
      if ('error' in answer && answer.error.startsWith('refused:')) {
        throw new StoreUnavailableError(`The store's address is not allowed: ${answer.error.slice(9)}`);
      }
      lastProblem = 'error' in answer ? answer.error : `HTTP ${answer.status}`;
      if (attempt === this.settings.maxRetries) break;
      const backoff = Math.min(cap, base * 2 ** attempt);
      const asked =
        'error' in answer ? undefined : retryAfterMs(answer.headers['retry-after'], this.waits.now());
      await this.wait(asked === undefined ? backoff : Math.min(Math.max(asked, base), maxRetryAfter));
    }
    throw new StoreUnavailableError(
      `the store did not answer after ${this.settings.maxRetries + 1} attempts (${lastProblem})`,
    );
  }

  private async pace(): Promise<void> {
    const now = this.waits.now();
    if (now < this.nextStartAt) await this.wait(this.nextStartAt - now);
    this.nextStartAt = Math.max(now, this.nextStartAt) + Math.ceil(1000 / this.settings.requestsPerSecond);
  }
}
