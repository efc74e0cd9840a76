/**
 * The browser pixel served at `/p.js` (docs/pixel.md, "The script"). It replaces the snippet's stub
 * `tagbridge(...)`, replays the calls the stub queued, tracks page views (also on SPA history changes)
 * and sends events to the proxy host's `/v1/collect`. The server sets the identifier cookies; this script
 * never writes a cookie. Nothing here may throw into the page: every entry point is guarded and a failure
 * only counts in `tagbridge.errors`.
 */
import {
  buildEvent,
  type CollectEvent,
  type Consent,
  cleanIdentity,
  cookieNames,
  eventIdFrom,
  type Identity,
  pageKey,
  readCookies,
} from './events.js';
import {
  batchLength,
  FLUSH_DELAY_MS,
  MAX_ATTEMPTS,
  MAX_QUEUE,
  type Page,
  pushBounded,
  type QueuedEvent,
  retryable,
  retryDelay,
} from './queue.js';

/** Injected by the server around the bundle (src/http/routes/pixel-script.ts). */
declare const tagbridgeConfig: { consentDefault?: string; collectUrl?: string } | undefined;

interface Api {
  (...args: unknown[]): void;
  /** The stub's queue of calls made before this script arrived. */
  q?: ArrayLike<unknown>[];
  /** Failures swallowed so far (bad calls, refused or lost requests, dropped events). */
  errors: number;
  loaded?: boolean;
}

(() => {
  const w = window as unknown as { tagbridge?: Api };
  const stub = w.tagbridge;
  if (stub?.loaded) return;

  const api = ((...args: unknown[]) => guard(() => command(args))) as Api;
  api.errors = 0;
  api.loaded = true;
  const guard = (fn: () => void): void => {
    try {
      fn();
    } catch {
      api.errors++;
    }
  };

  const config = typeof tagbridgeConfig === 'object' && tagbridgeConfig ? tagbridgeConfig : {};
  // Resolved against the script's own URL: the collect endpoint lives on the proxy host, not the shop's.
  let collectUrl = '';
  guard(() => {
    const script = document.currentScript as HTMLScriptElement | null;
    collectUrl = new URL(config.collectUrl || '/v1/collect', script?.src || location.href).href;
  });
  const holdUntilConsent = config.consentDefault === 'deny';

  let key = '';
  let consent: Consent | null = null;
  let identity: Identity | undefined;
  let queue: QueuedEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let attempt = 0;
  // Clipped to the endpoint's limits: one overlong URL must not get the whole batch refused.
  const pageOf = (url: string, referrer: string): Page => ({
    url: url.slice(0, 2048),
    referrer: referrer.slice(0, 2048),
    title: document.title.slice(0, 500),
  });
  let page = pageOf(location.href, document.referrer);
  /** Set when the endpoint refused the key or the origin (401/403): this page sends nothing more. */
  let refused = false;
  let lastPageKey = '';

  const newId = (): string => {
    const bytes = new Uint8Array(16);
    if (window.crypto?.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return eventIdFrom(bytes);
  };

  function command(args: unknown[]): void {
    const [name, a, b, c] = args;
    if (name === 'init') {
      const k = a && typeof a === 'object' ? (a as { key?: unknown }).key : undefined;
      if (typeof k !== 'string' || k === '') throw new Error('init needs a key');
      key = k;
      schedule(0);
    } else if (name === 'track') {
      enqueue(buildEvent(a, b, c, location.href.slice(0, 2048), Date.now(), newId, identity));
    } else if (name === 'identify') {
      identity = cleanIdentity(a);
    } else if (name === 'consent') {
      if (!a || typeof a !== 'object') throw new Error('consent needs {ads, analytics}');
      const given = a as Consent;
      consent = {};
      if (typeof given.ads === 'boolean') consent.ads = given.ads;
      if (typeof given.analytics === 'boolean') consent.analytics = given.analytics;
      schedule(0);
    } else {
      throw new Error('unknown command');
    }
  }

  function enqueue(event: CollectEvent | null): void {
    if (!event || refused) throw new Error(refused ? 'refused' : 'bad event');
    api.errors += pushBounded(queue, { page, json: JSON.stringify(event) }, MAX_QUEUE);
    schedule(FLUSH_DELAY_MS);
  }

  const mayNotSend = (): boolean => refused || !key || !collectUrl || (holdUntilConsent && !consent);

  function schedule(delay: number): void {
    if (timer === undefined && queue.length && !mayNotSend()) {
      timer = setTimeout(() => {
        timer = undefined;
        guard(flush);
      }, delay);
    }
  }

  /** One request's body: the contract of POST /v1/collect. Cookies are read now, after earlier answers set them. */
  function body(batch: QueuedEvent[]): string {
    const payload: Record<string, unknown> = {
      key,
      page: batch[0]!.page,
      cookies: readCookies(document.cookie, cookieNames(consent)),
    };
    if (consent) payload.consent = consent;
    return `${JSON.stringify(payload).slice(0, -1)},"events":[${batch.map((e) => e.json).join(',')}]}`;
  }

  function flush(): void {
    if (inFlight || mayNotSend() || !queue.length) return;
    const batch = queue.splice(0, batchLength(queue));
    inFlight = true;
    const settle = (status: number, retryAfter: string | null): void =>
      guard(() => {
        inFlight = false;
        if (status >= 200 && status < 300) {
          attempt = 0;
          schedule(0);
        } else if (retryable(status) && ++attempt < MAX_ATTEMPTS) {
          // Back at the head, behind the bound: a long outage keeps the newest events.
          queue = batch.concat(queue);
          if (queue.length > MAX_QUEUE) api.errors += queue.splice(0, queue.length - MAX_QUEUE).length;
          timer = setTimeout(
            () => {
              timer = undefined;
              guard(flush);
            },
            retryDelay(attempt, retryAfter, Math.random()),
          );
        } else {
          attempt = 0;
          api.errors++;
          if (status === 401 || status === 403) {
            // A revoked key or a foreign origin: every later request would be refused the same way.
            refused = true;
            api.errors += queue.length;
            queue = [];
          }
          schedule(0);
        }
      });
    try {
      fetch(collectUrl, {
        method: 'POST',
        // A string body goes as text/plain, a simple request: no preflight round trip before each batch.
        body: body(batch),
        keepalive: true,
        credentials: 'include',
        mode: 'cors',
      }).then(
        (response) => settle(response.status, response.headers.get('retry-after')),
        () => settle(0, null),
      );
    } catch {
      // No fetch (a very old browser) or a refused request: a failed attempt like any other.
      settle(0, null);
    }
  }

  /** The page is going away (or hidden, maybe for good): hand what is left to sendBeacon, which outlives it. */
  function flushOnExit(): void {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    while (queue.length && !mayNotSend() && navigator.sendBeacon) {
      const n = batchLength(queue);
      if (!navigator.sendBeacon(collectUrl, body(queue.slice(0, n)))) break;
      queue.splice(0, n);
    }
    guard(flush);
  }

  function trackPage(): void {
    const href = location.href;
    const k = pageKey(href);
    if (k === lastPageKey) return;
    // An SPA navigation's referrer is the previous page; the landing keeps the browser's referrer.
    if (lastPageKey) page = pageOf(href, page.url);
    lastPageKey = k;
    command(['track', 'PageVisit']);
  }

  // SPA navigations: history changes made by the page's router, and back/forward.
  for (const method of ['pushState', 'replaceState'] as const) {
    guard(() => {
      const original = history[method];
      history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
        // The page's own call and its exceptions stay exactly as they were.
        const result = original.apply(this, args);
        guard(trackPage);
        return result;
      };
    });
  }
  guard(() => {
    addEventListener('popstate', () => guard(trackPage));
    addEventListener('pagehide', () => guard(flushOnExit));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') guard(flushOnExit);
    });
  });

  w.tagbridge = api;
  const queued = stub?.q;
  if (queued)
    for (let i = 0; i < queued.length; i++) guard(() => command(Array.prototype.slice.call(queued[i])));
  guard(trackPage);
})();
