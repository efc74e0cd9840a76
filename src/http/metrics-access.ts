/**
 * Who may read `/metrics`, on which listener (README "Monitoring"). Framework-free: the API's Fastify route
 * and the small listener of workers and of METRICS_PORT (ops-server.ts) decide alike.
 *
 * - METRICS_PORT set: metrics are served there only (with METRICS_TOKEN also set, a scrape sends it there);
 *   PORT never answers them.
 * - Otherwise METRICS_TOKEN set: PORT answers them to `Authorization: Bearer <METRICS_TOKEN>` (compared in
 *   constant time), 401 to anyone else.
 * - Neither: not served (404). The safe default: metrics name destinations and volumes, PORT is public.
 * - On PORT, a request whose Host is a domain's proxy host (or PUBLIC_HOSTNAME, which shops CNAME to) is a 404
 *   whatever it carries: the public tracking hosts never expose operational data.
 */
import type { Config } from '../config.js';
import type { DomainContextCache } from '../ingest/domain-context.js';
import { safeEqual, sha256Hex } from '../lib/crypto.js';

export type MetricsListener = 'port' | 'metrics-port';

export type MetricsDecision =
  | { serve: true }
  | { serve: false; status: 404 | 401; message: string; challenge?: string };

export interface MetricsRequest {
  /**
   * The request's hosts (port included or not): the Host header, and the forwarded host the app believes
   * behind a trusted proxy. Any of them being a proxy host refuses the scrape.
   */
  hosts: ReadonlyArray<string | undefined>;
  authorization: string | undefined;
}

const NOT_FOUND: MetricsDecision = { serve: false, status: 404, message: 'No route GET /metrics' };

/** Whether `host` is a tracking host (a live domain's): those answer shoppers, never operators. */
export function proxyHostCheck(deps: {
  domains: Pick<DomainContextCache, 'resolve'>;
}): (host: string) => Promise<boolean> {
  return async (host) => (await deps.domains.resolve(host)) !== null;
}

/** Whether `/metrics` is answered on `listener` at all with this configuration. */
export function servesMetrics(config: Pick<Config, 'metrics'>, listener: MetricsListener): boolean {
  const { port, token } = config.metrics;
  return listener === 'metrics-port' ? port !== null : port === null && token !== null;
}

/**
 * The decision for one scrape. `isProxyHost` is asked on PORT only (it may cost a cached domain lookup),
 * after the configuration allows metrics there.
 */
export async function metricsAccess(
  config: Pick<Config, 'metrics' | 'management'>,
  listener: MetricsListener,
  request: MetricsRequest,
  isProxyHost: (host: string) => Promise<boolean>,
): Promise<MetricsDecision> {
  if (!servesMetrics(config, listener)) return NOT_FOUND;
  if (listener === 'port') {
    for (const host of new Set(request.hosts.map(bareHost))) {
      if (host === '' || host === config.management.publicHostname || (await isProxyHost(host))) {
        return NOT_FOUND;
      }
    }
  }
  const { token } = config.metrics;
  if (token !== null && !bearerMatches(request.authorization, token)) {
    return {
      serve: false,
      status: 401,
      message: 'Metrics need Authorization: Bearer <METRICS_TOKEN>',
      challenge: 'Bearer realm="metrics"',
    };
  }
  return { serve: true };
}

/** Constant time in the token's content: both sides are hashed to the same length first. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return safeEqual(sha256Hex(match?.[1] ?? ''), sha256Hex(token));
}

/** `Shop.Example:8080` → `shop.example`; `[::1]:80` → `[::1]`. */
function bareHost(host: string | undefined): string {
  const value = (host ?? '').trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  return value.replace(/:\d*$/, '').replace(/\.$/, '');
}
