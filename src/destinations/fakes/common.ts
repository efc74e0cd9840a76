/**
 * The shared surface of the fake platform servers. Each fake is a real HTTP server on localhost that
 * validates requests the way its platform documents (see /work/shared/reference/destinations.md) and
 * answers with the platform's own success and error shapes, so the adapters' build and classify code
 * is exercised end to end without network access to the real APIs.
 *
 * A platform's fake lives in its destination folder (`fake.ts`), written from the platform's documentation
 * and not from the adapter, so the two check each other. Only tests and `tagbridge dev` start fakes.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A platform event as it arrived (one element of Meta's `data`, Reddit's `data.events`, …). */
export type AcceptedEvent = Record<string, unknown>;

/**
 * A scripted answer for the next request, consumed one per request in arrival order. Once the queue
 * is empty the fake validates strictly again.
 */
export type InjectedResponse =
  /** A server error; `body` defaults to the platform's own 5xx body. */
  | { kind: 'status'; status: 500 | 502 | 503 | 504; body?: Json }
  /** HTTP 429 with `Retry-After`, in the platform's error shape. */
  | { kind: 'rateLimit'; retryAfterSeconds: number }
  /**
   * The platform's throttle signal: Meta HTTP 400 code 17 (or `code: 4`), TikTok HTTP 200 code 40100,
   * Pinterest 429 code 8, Snapchat and Reddit 429 (no Retry-After).
   */
  | { kind: 'throttle'; code?: 4 | 17 }
  /** The platform's real invalid-token answer (Meta 190, TikTok 40105, Pinterest 401 code 2, Snapchat/Reddit 401). */
  | { kind: 'badToken' }
  /** Wait `ms` before answering (the request is still validated and answered normally): for timeout tests. */
  | { kind: 'hang'; ms: number }
  /** Destroy the socket without answering. */
  | { kind: 'destroy' };

export interface ReceivedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** Parsed JSON; the raw text when the body was not JSON; `null` when empty. */
  body: unknown;
  /** `now()` when the request arrived, in ms. */
  at: number;
  /** The request asked for the platform's test mode (test_event_code, ?test=true, /validate, test_id). */
  testMode: boolean;
  /** Which injected failure answered it, if any. */
  injected?: InjectedResponse['kind'];
  /**
   * What the platform did without saying so: GA4's `/mp/collect` answers 2xx to anything and drops what it
   * cannot use; the fake records why here, so a test can tell a dropped request from a taken one.
   */
  note?: string;
  /** What the fake answered; `status: 0, body: null` when the socket was destroyed. */
  response: { status: number; body: unknown };
}

export interface FakePlatform {
  /** The destination type it stands in for (`meta`). */
  readonly name: string;
  /** Origin without a trailing slash, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  /** Every request, in arrival order. Cleared (in place) by `reset()`. */
  readonly received: ReceivedRequest[];
  /** Every platform event the fake accepted, flattened over requests (test-mode events included). */
  readonly accepted: AcceptedEvent[];
  /** Script the next responses (one per request). */
  enqueue(...responses: InjectedResponse[]): void;
  /** Delay every answer by `ms` (0 turns it off). */
  setDelay(ms: number): void;
  /** Forget received requests, accepted events, queued failures and the delay. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** When set, only these tokens authenticate; otherwise any non-empty token does. */
  validTokens?: string[];
  /** When set, only these pixel / ad account ids exist; otherwise any well-formed id does. */
  knownIds?: string[];
  /** Clock in ms, for event-age checks and `at`. Default `Date.now`. */
  now?: () => number;
}

/** How a destination's fake is started (`startFakeMeta`…): what its `fake()` declaration resolves to. */
export type StartFake = (options?: FakeOptions) => Promise<FakePlatform>;
