/**
 * Access tokens of the destinations that declare an `accessToken` flow (Google Ads): fetched from the
 * platform's token endpoint with the worker's sender, kept until shortly before they expire, fetched once at
 * a time per key (concurrent batches of one destination wait for the same answer), and at most `maxEntries`
 * of them (the least recently used leaves first). Tokens live only here, in memory: never stored, logged or
 * put in an outcome. A refused or failed fetch is not remembered: the next batch asks again.
 */
import type { AccessTokenFlow } from '../destinations/types.js';
import type { HttpSender } from './http-client.js';

export type TokenResult =
  | { ok: true; token: string; expiresAt: number }
  | {
      ok: false;
      /** `rejected`: the endpoint refused the credentials (hold the destination); otherwise try again later. */
      kind: 'rejected' | 'retry' | 'timeout' | 'network';
      message: string;
      /** The token endpoint's HTTP status; null when it did not answer. */
      statusCode: number | null;
      retryAfterMs?: number;
    };

export interface AccessTokenCacheOptions {
  /** Default 1,000: a token per destination with its own credentials, far more than one node serves. */
  maxEntries?: number;
  /** A token is fetched again this long before it expires (default one minute; at most half its lifetime). */
  refreshMarginMs?: number;
}

interface Entry {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

export class AccessTokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<TokenResult>>();
  private readonly maxEntries: number;
  private readonly marginMs: number;

  constructor(options: AccessTokenCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.marginMs = options.refreshMarginMs ?? 60_000;
  }

  /** Tokens held (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The token under `key` while it is fresh at `now`; otherwise `fetch`'s answer, shared by every caller
   * that asks while it is under way.
   */
  get(key: string, now: number, fetch: () => Promise<TokenResult>): Promise<TokenResult> {
    const entry = this.entries.get(key);
    if (entry !== undefined && now < entry.refreshAt) {
      // Map order is insertion order: re-inserting makes this the most recently used entry.
      this.entries.delete(key);
      this.entries.set(key, entry);
      return Promise.resolve({ ok: true, token: entry.token, expiresAt: entry.expiresAt });
    }
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    const started = fetch()
      .then((result) => {
        if (result.ok) this.remember(key, result, now);
        else this.entries.delete(key);
        return result;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  /** Forget `token` (the API refused it), unless a fresher one has replaced it meanwhile. */
  invalidate(key: string, token: string): void {
    if (this.entries.get(key)?.token === token) this.entries.delete(key);
  }

  private remember(key: string, result: { token: string; expiresAt: number }, fetchedAt: number): void {
    const lifetime = Math.max(0, result.expiresAt - fetchedAt);
    const refreshAt = fetchedAt + Math.max(lifetime - this.marginMs, lifetime / 2);
    this.entries.delete(key);
    this.entries.set(key, { token: result.token, expiresAt: result.expiresAt, refreshAt });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

/**
 * One process, one cache: the worker and "send test event" share it, so a test event reuses the token the
 * worker holds (keys name the destination, the token URL and a hash of the credentials).
 */
export const sharedAccessTokens = new AccessTokenCache();

/** Asks the token endpoint once: the destination builds the request and reads the answer. */
export async function fetchAccessToken(
  sender: HttpSender,
  flow: AccessTokenFlow<unknown>,
  config: unknown,
  tokenUrl: string,
  now: number,
): Promise<TokenResult> {
  const sent = await sender.send(flow.request(config, tokenUrl, Math.floor(now / 1000)));
  if (!sent.ok) {
    return { ok: false, kind: sent.kind, message: `token endpoint: ${sent.message}`, statusCode: null };
  }
  const statusCode = sent.response.status;
  const answer = flow.parse(sent.response);
  switch (answer.kind) {
    case 'token':
      return { ok: true, token: answer.accessToken, expiresAt: now + answer.expiresInSeconds * 1000 };
    case 'rejected':
      return { ok: false, kind: 'rejected', message: answer.message, statusCode };
    case 'retry':
      return answer.retryAfterMs === undefined
        ? { ok: false, kind: 'retry', message: answer.message, statusCode }
        : {
            ok: false,
            kind: 'retry',
            message: answer.message,
            statusCode,
            retryAfterMs: answer.retryAfterMs,
          };
  }
}
