/**
 * The only reader of process.env. Every variable is validated once at start-up and documented in the
 * README's configuration table (a test keeps the two in sync). The destinations' base-URL variables are
 * declared in their folders (`urls` in each destination's index.ts) and read here from the registry.
 */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { DESTINATION_TYPES, type DestinationType, destinations } from './destinations/registry.js';
import type { Plan } from './lib/plans.js';

/** The ECB's daily reference rates (FX_RATES_URL's default). */
export const ECB_DAILY_URL = 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** PostgreSQL schema for Tagbridge's tables (several instances can share one database). */
  databaseSchema: string | undefined;
  redisUrl: string | undefined;
  /**
   * Whose X-Forwarded-* headers count: nobody's (false), the nearest N hops' (a number: the client is the
   * N-th address from the right of X-Forwarded-For), or only these proxy addresses (IPs or CIDR ranges: the
   * client is the right-most address that is not one of them). `TRUST_PROXY=true` is read as 1 hop: trusting
   * every entry would take the left-most one, which the client writes itself.
   */
  trustProxy: false | number | string[];
  /** TRUST_PROXY was the word `true` (read as 1 hop): start-up logs how it is read. */
  trustProxyWasTrue: boolean;
  /** The HTTP server's own limits against slow and piled-up connections (src/http/server-limits.ts). */
  http: {
    /** A request's headers must have arrived within this long of the connection's first byte of them. */
    headersTimeoutMs: number;
    /** The whole request (headers and body) must have arrived within this long. */
    requestTimeoutMs: number;
    /** An idle keep-alive connection is closed after this long without a new request. */
    keepAliveTimeoutMs: number;
    /** Open connections one client address may hold (0: no cap); trusted proxies are not capped. */
    maxConnectionsPerIp: number;
  };
  logLevel: string;
  /** Current key first; older keys only decrypt (rotation). */
  encryptionKeys: Buffer[];
  /** True when the key was generated into DATA_DIR because none was configured. */
  encryptionKeyGenerated: boolean;
  proxy: {
    rateLimitPerMinute: number;
    bodyLimitBytes: number;
    dedupWindowSeconds: number;
    /** Browser origins allowed to call the proxy endpoints besides each domain's shop origins. */
    corsExtraOrigins: string[];
  };
  /** Monthly request quota per plan; null is unlimited. */
  planQuotas: Record<Plan, number | null>;
  /** Products an org may hold across all its store channels, per plan; null is unlimited. */
  planProductLimits: Record<Plan, number | null>;
  ingest: {
    groupCommitMaxEvents: number;
    groupCommitMaxWaitMs: number;
    /**
     * Test-only fault point: each group waits this long before its commit starts (0 in production). With
     * it, an answer sent before the commit is always caught by a SIGKILL right after the answer.
     */
    groupCommitTestDelayMs: number;
    /**
     * Test-only fault point (SQLite): each group commit blocks the outbox's writer thread this long inside
     * its transaction, like a slow fsync (0 in production). The event loop must keep serving meanwhile.
     */
    groupCommitTestThreadDelayMs: number;
    /**
     * Oldest event time the proxy, PMW and sync entry points take, in seconds before now
     * (EVENT_MAX_AGE_DAYS): older events are refused (400), as the platforms would refuse them.
     */
    eventMaxAgeSeconds: number;
    /**
     * INGEST_MAX_INFLIGHT_BYTES: request bodies of the ingest routes being read, prepared and committed at
     * once (by Content-Length); further requests wait, unparsed, in arrival order (src/http/ingest-budget.ts).
     * 0: no budget.
     */
    maxInflightBytes: number;
  };
  delivery: {
    pollIntervalMs: number;
    leaseMs: number;
    concurrency: number;
    requestTimeoutMs: number;
    backoffBaseMs: number;
    backoffCapMs: number;
    retryHorizonMs: number;
    circuitFailureThreshold: number;
    circuitOpenMs: number;
    shutdownGraceMs: number;
  };
  /** Each destination's base URL (its `urls.api`): where its requests go. */
  platformUrls: Record<DestinationType, string>;
  /** Each destination's further URLs (an OAuth token endpoint…), by the names it gives them. */
  platformExtraUrls: Record<DestinationType, Readonly<Record<string, string>>>;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  management: {
    /** Origin of the dashboard and management API, e.g. https://tagbridge.example.com (magic links, CSRF). */
    publicBaseUrl: string;
    /** Host shops CNAME their proxy host to (domain verification). */
    publicHostname: string;
    sessionIdleMs: number;
    sessionMaxAgeMs: number;
    loginTokenTtlMs: number;
    /** Lifetime of an invite link: longer than a login link, the invitee may read the mail days later. */
    inviteTokenTtlMs: number;
    loginPerEmailPerHour: number;
    loginPerIpPerHour: number;
    /** Invitation mails one org sends per 24 h, counted in the database (every session and node together). */
    invitesPerOrgPerDay: number;
    /** Invitation mails one user sends per 24 h across all their orgs (a new org does not reset it). */
    invitesPerUserPerDay: number;
    requestsPerSessionPerMinute: number;
    /** SMTP URL for nodemailer; without it, mails go to DATA_DIR/mail and the log. */
    smtpUrl: string | undefined;
    mailFrom: string;
    /** DNS servers (ip or ip:port, comma-separated) for domain verification; system resolver otherwise. */
    dnsServers: string[];
    /** Let outbound calls to user-supplied URLs reach private and loopback addresses (tests, intranets). */
    allowPrivateNetworkTargets: boolean;
  };
  api: {
    requestsPerKeyPerHour: number;
    bodyLimitBytes: number;
    dedupWindowSeconds: number;
  };
  orders: {
    /** Largest shop webhook body taken (an order with hundreds of lines is a few hundred KB). */
    webhookBodyLimitBytes: number;
    /** How long a rotated shop webhook secret keeps verifying (webhooks already signed and in flight). */
    secretGraceMs: number;
    /** How long an order's personal data is kept for a backfill; also the order events' dedup window. */
    dataRetentionMs: number;
  };
  /** Connected stores (issue 11, docs/store-connections.md). */
  stores: {
    /** The Shopify app's client id and secret (Partner dashboard); without both, Shopify OAuth is off. */
    shopifyApiKey: string | undefined;
    shopifyApiSecret: string | undefined;
    /**
     * Where a shop's Admin endpoints live, `{shop}` standing for `<name>.myshopify.com`. Always
     * `https://{shop}` in production; tests point it at a local fake Shopify.
     */
    shopifyShopUrl: string;
  };
  /**
   * Plugin sign-in (issue 11, docs/store-connections.md). The JWT key is not configured: it is derived with
   * HKDF from ENCRYPTION_KEY (src/plugin-auth/jwt.ts), so there is no second secret to keep.
   */
  pluginAuth: {
    /** Lifetime of a plugin JWT (the access token). */
    jwtTtlSeconds: number;
    /** A plugin session ends this long after its last refresh. */
    refreshTtlMs: number;
    /** How long the owner has to confirm a plugin's request for an existing account. */
    confirmTtlMs: number;
    registerPerIpPerHour: number;
    registerPerEmailPerHour: number;
    /** Requests per plugin session per minute on the JWT surface. */
    requestsPerSessionPerMinute: number;
  };
  /** Catalogue sync of connected stores (issue 11, docs/catalogue-sync.md). */
  catalogue: {
    /** Minutes between scheduled syncs of a channel without its own interval; 0: on demand only. */
    syncIntervalMinutes: number;
    /** Hours after which a scheduled run is full again (removes what the store no longer lists). */
    fullSyncHours: number;
    /** Requests per second toward one store, at most (politeness). */
    requestsPerSecond: number;
    /** Channels one worker syncs at once. */
    concurrency: number;
    /** Lease of a running sync; renewed on every page, taken over by another worker once expired. */
    leaseMs: number;
    /** Timeout of one request to a store. */
    requestTimeoutMs: number;
    /** Retries of one request on 429, 5xx, timeouts (with backoff, honouring Retry-After). */
    maxRetries: number;
    /** How often an idle worker looks for due channels. */
    pollIntervalMs: number;
  };
  /** Public product feeds (docs/feeds.md). */
  feeds: {
    /** How long a generated feed is served from the cache before it is generated again. */
    cacheTtlSeconds: number;
    /** In-process cache (no Redis): total compressed bytes kept, least recently used dropped first. */
    cacheMaxBytes: number;
    /** Requests per minute per IP to `GET /api/public/feeds/:slug`. */
    rateLimitPerMinute: number;
    /** Products read from the database per query while generating. */
    pageSize: number;
  };
  /** The first-party pixel and attribution (docs/pixel.md). */
  pixel: {
    /** `POST /v1/collect` requests per minute from one IP. */
    rateLimitPerIpPerMinute: number;
    /** `POST /v1/collect` requests per minute with one `pk_` key (all visitors of a shop together). */
    rateLimitPerKeyPerMinute: number;
    /** Lifetime of the first-party cookies the collect response sets (Meta and Google use 390 days). */
    cookieMaxAgeDays: number;
    /** Attribution looks back this far from an order for its touchpoints (first and last click). */
    attributionWindowDays: number;
  };
  /** The ECB reference rates the stats convert revenue with (src/public-api/fx/refresh.ts). */
  fxRates: {
    /** Whether API nodes fetch the daily rates (off: air-gapped installs; the stored and shipped rates serve). */
    fetch: boolean;
    /** Where the ECB's daily XML is fetched from (a mirror inside a closed network). */
    url: string;
  };
  /**
   * Prometheus metrics (README "Monitoring"): on a listener of their own (`port`), or on PORT behind a
   * Bearer token; neither configured, they are not served at all. Never on a domain's proxy host.
   */
  metrics: {
    /** METRICS_PORT: a separate listener for `/metrics` (0: any free port, tests); null: none. */
    port: number | null;
    /** METRICS_TOKEN: the Bearer token a scrape must send (on PORT, and on METRICS_PORT when set). */
    token: string | null;
  };
  /** Retention (src/retention/, docs/privacy.md): what the worker deletes, and how often. */
  retention: {
    /** Time between two passes of a worker (the first runs a minute after start). */
    intervalMs: number;
    /** Rows per statement; the pass yields to the event loop between statements. */
    batchSize: number;
    /** Events whose deliveries are all final (and those deliveries and attempts), by arrival. */
    eventMs: number;
    auditMs: number;
    /** Attribution conversions; touchpoints and visitors go once no kept conversion's window can reach them. */
    attributionMs: number;
  };
  /** Outbound webhooks (docs/webhooks.md). */
  webhooks: {
    /** Timeout of one attempt (connect to last byte). */
    timeoutMs: number;
    /** Attempts in flight at once from one worker (at most 2 of them to one endpoint). */
    concurrency: number;
    /** Messages and attempts older than this are deleted by the worker's maintenance. */
    retentionMs: number;
    /** How long a rotated secret keeps signing beside the new one. */
    secretGraceMs: number;
  };
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()))
    throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min) throw new ConfigError(`${name} must be at least ${min}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

/**
 * TRUST_PROXY: a boolean word (true = 1 hop), a hop count (`2`: a CDN in front of a load balancer), or
 * comma-separated proxy addresses (`10.0.0.5`, `10.0.0.0/8`, `::1`).
 */
function trustProxy(env: Env, name: string): false | number | string[] {
  const raw = env[name]?.trim() ?? '';
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 32) throw new ConfigError(`${name} as a hop count must be at most 32, got ${hops}`);
    return hops === 0 ? false : hops;
  }
  if (!/[.:]/.test(raw)) return bool(env, name, false) ? 1 : false;
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(
        `${name} must be true, false, a hop count or comma-separated proxy addresses (IP or CIDR), got "${entry}"`,
      );
    }
  }
  return entries;
}

/** The HTTP server's timeouts; Node refuses a headers timeout longer than the request timeout. */
function httpLimits(env: Env): Config['http'] {
  const limits = {
    headersTimeoutMs: int(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 100),
    requestTimeoutMs: int(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 100),
    keepAliveTimeoutMs: int(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 100),
    maxConnectionsPerIp: int(env, 'HTTP_MAX_CONNECTIONS_PER_IP', 128, 0),
  };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError(
      `HTTP_HEADERS_TIMEOUT_MS (${limits.headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`,
    );
  }
  return limits;
}

/** METRICS_PORT and METRICS_TOKEN (see Config.metrics). */
function metricsConfig(env: Env, port: number): Config['metrics'] {
  const rawPort = env.METRICS_PORT?.trim();
  const metricsPort = rawPort ? int(env, 'METRICS_PORT', 0) : null;
  if (metricsPort !== null && metricsPort > 65_535) {
    throw new ConfigError(`METRICS_PORT must be a TCP port (0–65535), got ${metricsPort}`);
  }
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError(
      'METRICS_PORT must differ from PORT (unset it to serve metrics on PORT with METRICS_TOKEN)',
    );
  }
  const token = env.METRICS_TOKEN?.trim() || null;
  // A scrape token is a password sent by a machine: long and random costs nothing.
  if (token !== null && !/^[\x21-\x7e]{24,}$/.test(token)) {
    throw new ConfigError(
      'METRICS_TOKEN must be at least 24 printable characters without spaces (openssl rand -hex 24)',
    );
  }
  return { port: metricsPort, token };
}

/** A URL template containing `{shop}` (the shop's myshopify host). */
function shopTemplate(env: Env, name: string): string {
  const raw = env[name]?.trim() || 'https://{shop}';
  if (!raw.includes('{shop}')) throw new ConfigError(`${name} must contain {shop}, got "${raw}"`);
  url({ [name]: raw.replace('{shop}', 'shop.myshopify.com') }, name, raw);
  return raw.replace(/\/+$/, '');
}

function url(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim() || fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got "${raw}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

/** Comma-separated `scheme://host[:port]` origins, as browsers send them in `Origin`. */
function origins(env: Env, name: string): string[] {
  const out: string[] = [];
  for (const raw of (env[name] ?? '').split(',').map((s) => s.trim())) {
    if (!raw) continue;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(`${name}: "${raw}" is not an origin (scheme://host[:port])`);
    }
    const bare = parsed.pathname === '/' && !parsed.search && !parsed.hash && !parsed.username;
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !bare || raw.endsWith('/')) {
      throw new ConfigError(
        `${name}: "${raw}" is not an origin (http(s)://host[:port], no path or trailing slash)`,
      );
    }
    out.push(parsed.origin);
  }
  return out;
}

function decodeKey(name: string, raw: string): Buffer {
  const key = Buffer.from(raw.trim(), 'base64');
  if (key.length !== 32)
    throw new ConfigError(`${name} must be 32 bytes, base64-encoded (got ${key.length} bytes)`);
  return key;
}

function quota(
  env: Env,
  plan: Plan,
  fallback: number | null,
  setting: 'MONTHLY_REQUESTS' | 'PRODUCTS' = 'MONTHLY_REQUESTS',
): number | null {
  const name = `PLAN_${plan.toUpperCase()}_${setting}`;
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'unlimited') return null;
  return int(env, name, 0);
}

/** Every destination's URLs, each from the variable the destination declares, or its default. */
function platformUrls(env: Env): Pick<Config, 'platformUrls' | 'platformExtraUrls'> {
  const api: Partial<Config['platformUrls']> = {};
  const extra: Partial<Config['platformExtraUrls']> = {};
  for (const type of DESTINATION_TYPES) {
    const { api: base, ...others } = destinations[type].urls;
    api[type] = url(env, base.env, base.default);
    extra[type] = Object.fromEntries(
      Object.entries(others).map(([name, other]) => [name, url(env, other.env, other.default)]),
    );
  }
  return {
    platformUrls: api as Config['platformUrls'],
    platformExtraUrls: extra as Config['platformExtraUrls'],
  };
}

/**
 * Reads and validates the environment. In embedded mode without ENCRYPTION_KEY, a key is generated into
 * DATA_DIR (the caller logs a warning); with DATABASE_URL set, a missing key is an error, because nodes
 * sharing a database must share the key.
 */
export function loadConfig(env: Env = process.env): Config {
  const dataDir = resolve(env.DATA_DIR?.trim() || './data');
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// URL');
  }
  const databaseSchema = env.DATABASE_SCHEMA?.trim() || undefined;
  if (databaseSchema && !/^[a-z_][a-z0-9_]*$/.test(databaseSchema)) {
    throw new ConfigError('DATABASE_SCHEMA must be a lower-case SQL identifier');
  }
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL must be a redis:// URL');

  let encryptionKeyGenerated = false;
  let currentKey: Buffer;
  if (env.ENCRYPTION_KEY?.trim()) {
    currentKey = decodeKey('ENCRYPTION_KEY', env.ENCRYPTION_KEY);
  } else if (databaseUrl) {
    throw new ConfigError(
      'ENCRYPTION_KEY is required when DATABASE_URL is set (generate one with: openssl rand -base64 32)',
    );
  } else {
    const keyFile = join(dataDir, 'encryption.key');
    if (existsSync(keyFile)) {
      currentKey = decodeKey(keyFile, readFileSync(keyFile, 'utf8'));
    } else {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      currentKey = randomBytes(32);
      writeFileSync(keyFile, `${currentKey.toString('base64')}\n`, { mode: 0o600 });
      encryptionKeyGenerated = true;
    }
  }
  const previousKeys = (env.ENCRYPTION_KEYS_PREVIOUS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => decodeKey('ENCRYPTION_KEYS_PREVIOUS', s));

  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  const sync = (env.SQLITE_SYNCHRONOUS?.trim().toUpperCase() || 'FULL') as Config['sqliteSynchronous'];
  if (sync !== 'FULL' && sync !== 'NORMAL')
    throw new ConfigError('SQLITE_SYNCHRONOUS must be FULL or NORMAL');

  const port = int(env, 'PORT', 8080);
  const config: Config = {
    port,
    host: env.HOST?.trim() || '0.0.0.0',
    dataDir,
    databaseUrl,
    databaseSchema,
    redisUrl,
    trustProxy: trustProxy(env, 'TRUST_PROXY'),
    trustProxyWasTrue: ['true', 'yes', 'on'].includes(env.TRUST_PROXY?.trim().toLowerCase() ?? ''),
    http: httpLimits(env),
    logLevel,
    encryptionKeys: [currentKey, ...previousKeys],
    encryptionKeyGenerated,
    proxy: {
      rateLimitPerMinute: int(env, 'PROXY_RATE_LIMIT_PER_MINUTE', 120),
      bodyLimitBytes: int(env, 'PROXY_BODY_LIMIT_BYTES', 100 * 1024, 1024),
      dedupWindowSeconds: int(env, 'DEDUP_WINDOW_SECONDS', 48 * 3600, 1),
      corsExtraOrigins: origins(env, 'PROXY_CORS_EXTRA_ORIGINS'),
    },
    planQuotas: {
      free: quota(env, 'free', 10_000),
      starter: quota(env, 'starter', 100_000),
      pro: quota(env, 'pro', 1_000_000),
      enterprise: quota(env, 'enterprise', null),
    },
    planProductLimits: {
      free: quota(env, 'free', 1_000, 'PRODUCTS'),
      starter: quota(env, 'starter', 10_000, 'PRODUCTS'),
      pro: quota(env, 'pro', 100_000, 'PRODUCTS'),
      enterprise: quota(env, 'enterprise', null, 'PRODUCTS'),
    },
    ingest: {
      groupCommitMaxEvents: int(env, 'GROUP_COMMIT_MAX_EVENTS', 1000, 1),
      groupCommitMaxWaitMs: int(env, 'GROUP_COMMIT_MAX_WAIT_MS', 2),
      groupCommitTestDelayMs: int(env, 'GROUP_COMMIT_TEST_DELAY_MS', 0),
      groupCommitTestThreadDelayMs: int(env, 'GROUP_COMMIT_TEST_THREAD_DELAY_MS', 0),
      eventMaxAgeSeconds: int(env, 'EVENT_MAX_AGE_DAYS', 7, 1) * 86_400,
      maxInflightBytes: int(env, 'INGEST_MAX_INFLIGHT_BYTES', 1024 * 1024, 0),
    },
    delivery: {
      pollIntervalMs: int(env, 'DELIVERY_POLL_INTERVAL_MS', 500, 10),
      leaseMs: int(env, 'DELIVERY_LEASE_MS', 60_000, 1000),
      concurrency: int(env, 'DELIVERY_CONCURRENCY', 4, 1),
      requestTimeoutMs: int(env, 'DELIVERY_TIMEOUT_MS', 15_000, 100),
      backoffBaseMs: int(env, 'RETRY_BASE_MS', 10_000, 1),
      backoffCapMs: int(env, 'RETRY_CAP_MS', 600_000, 1),
      retryHorizonMs: int(env, 'RETRY_HORIZON_MS', 4 * 3600_000, 1),
      circuitFailureThreshold: int(env, 'CIRCUIT_FAILURE_THRESHOLD', 5, 1),
      circuitOpenMs: int(env, 'CIRCUIT_OPEN_MS', 30_000, 1),
      shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10_000, 0),
    },
    ...platformUrls(env),
    sqliteSynchronous: sync,
    management: {
      publicBaseUrl: url(env, 'PUBLIC_BASE_URL', `http://localhost:${env.PORT?.trim() || '8080'}`),
      publicHostname: env.PUBLIC_HOSTNAME?.trim().toLowerCase() || 'proxy.tagbridge.local',
      sessionIdleMs: int(env, 'SESSION_IDLE_TIMEOUT_MS', 24 * 3600_000, 60_000),
      sessionMaxAgeMs: int(env, 'SESSION_MAX_AGE_MS', 30 * 24 * 3600_000, 60_000),
      loginTokenTtlMs: int(env, 'LOGIN_TOKEN_TTL_MS', 15 * 60_000, 60_000),
      inviteTokenTtlMs: int(env, 'INVITE_TOKEN_TTL_MS', 7 * 24 * 3600_000, 60_000),
      loginPerEmailPerHour: int(env, 'LOGIN_RATE_LIMIT_PER_EMAIL_PER_HOUR', 5, 1),
      loginPerIpPerHour: int(env, 'LOGIN_RATE_LIMIT_PER_IP_PER_HOUR', 30, 1),
      invitesPerOrgPerDay: int(env, 'INVITE_RATE_LIMIT_PER_ORG_PER_DAY', 30, 1),
      invitesPerUserPerDay: int(env, 'INVITE_RATE_LIMIT_PER_USER_PER_DAY', 20, 1),
      requestsPerSessionPerMinute: int(env, 'MANAGEMENT_RATE_LIMIT_PER_MINUTE', 60, 1),
      smtpUrl: env.SMTP_URL?.trim() || undefined,
      mailFrom: env.MAIL_FROM?.trim() || 'Tagbridge <no-reply@tagbridge.local>',
      dnsServers: (env.DNS_SERVERS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      allowPrivateNetworkTargets: bool(env, 'ALLOW_PRIVATE_NETWORK_TARGETS', false),
    },
    api: {
      requestsPerKeyPerHour: int(env, 'API_RATE_LIMIT_PER_HOUR', 1000, 1),
      bodyLimitBytes: int(env, 'API_BODY_LIMIT_BYTES', 512 * 1024, 1024),
      dedupWindowSeconds: int(env, 'API_DEDUP_WINDOW_SECONDS', 20 * 60, 1),
    },
    orders: {
      webhookBodyLimitBytes: int(env, 'SHOP_WEBHOOK_BODY_LIMIT_BYTES', 2 * 1024 * 1024, 1024),
      secretGraceMs: int(env, 'SHOP_WEBHOOK_SECRET_GRACE_HOURS', 24, 0) * 3600_000,
      dataRetentionMs: int(env, 'ORDER_DATA_RETENTION_DAYS', 30, 1) * 24 * 3600_000,
    },
    stores: {
      shopifyApiKey: env.SHOPIFY_API_KEY?.trim() || undefined,
      shopifyApiSecret: env.SHOPIFY_API_SECRET?.trim() || undefined,
      shopifyShopUrl: shopTemplate(env, 'SHOPIFY_SHOP_URL'),
    },
    pluginAuth: {
      jwtTtlSeconds: int(env, 'PLUGIN_JWT_TTL_SECONDS', 3600, 60),
      refreshTtlMs: int(env, 'PLUGIN_REFRESH_TTL_DAYS', 90, 1) * 24 * 3600_000,
      confirmTtlMs: int(env, 'PLUGIN_CONFIRM_TTL_MINUTES', 30, 5) * 60_000,
      registerPerIpPerHour: int(env, 'PLUGIN_REGISTER_RATE_LIMIT_PER_IP_PER_HOUR', 20, 1),
      registerPerEmailPerHour: int(env, 'PLUGIN_REGISTER_RATE_LIMIT_PER_EMAIL_PER_HOUR', 5, 1),
      requestsPerSessionPerMinute: int(env, 'PLUGIN_RATE_LIMIT_PER_MINUTE', 120, 1),
    },
    catalogue: {
      syncIntervalMinutes: int(env, 'CATALOGUE_SYNC_INTERVAL_MINUTES', 360, 0),
      fullSyncHours: int(env, 'CATALOGUE_FULL_SYNC_HOURS', 24, 1),
      requestsPerSecond: int(env, 'CATALOGUE_REQUESTS_PER_SECOND', 4, 1),
      concurrency: int(env, 'CATALOGUE_SYNC_CONCURRENCY', 2, 1),
      leaseMs: int(env, 'CATALOGUE_SYNC_LEASE_MS', 120_000, 1000),
      requestTimeoutMs: int(env, 'CATALOGUE_REQUEST_TIMEOUT_MS', 30_000, 100),
      maxRetries: int(env, 'CATALOGUE_MAX_RETRIES', 5, 0),
      pollIntervalMs: int(env, 'CATALOGUE_POLL_INTERVAL_MS', 10_000, 10),
    },
    feeds: {
      cacheTtlSeconds: int(env, 'FEED_CACHE_TTL_SECONDS', 300, 1),
      cacheMaxBytes: int(env, 'FEED_CACHE_MAX_MB', 64, 1) * 1024 * 1024,
      rateLimitPerMinute: int(env, 'FEED_RATE_LIMIT_PER_MINUTE', 30, 1),
      pageSize: int(env, 'FEED_PAGE_SIZE', 250, 10),
    },
    pixel: {
      rateLimitPerIpPerMinute: int(env, 'PIXEL_RATE_LIMIT_PER_IP_PER_MINUTE', 120, 1),
      rateLimitPerKeyPerMinute: int(env, 'PIXEL_RATE_LIMIT_PER_KEY_PER_MINUTE', 60_000, 1),
      cookieMaxAgeDays: int(env, 'PIXEL_COOKIE_MAX_AGE_DAYS', 390, 1),
      attributionWindowDays: int(env, 'ATTRIBUTION_WINDOW_DAYS', 30, 1),
    },
    fxRates: {
      fetch: bool(env, 'FX_RATES_FETCH', true),
      url: url(env, 'FX_RATES_URL', ECB_DAILY_URL),
    },
    metrics: metricsConfig(env, port),
    retention: {
      intervalMs: int(env, 'RETENTION_INTERVAL_MINUTES', 60, 1) * 60_000,
      batchSize: int(env, 'RETENTION_BATCH_SIZE', 1000, 10),
      eventMs: int(env, 'EVENT_RETENTION_DAYS', 30, 1) * 24 * 3600_000,
      auditMs: int(env, 'AUDIT_RETENTION_DAYS', 365, 1) * 24 * 3600_000,
      attributionMs: int(env, 'ATTRIBUTION_RETENTION_DAYS', 180, 1) * 24 * 3600_000,
    },
    webhooks: {
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 15_000, 100),
      concurrency: int(env, 'WEBHOOK_CONCURRENCY', 8, 1),
      retentionMs: int(env, 'WEBHOOK_RETENTION_DAYS', 30, 1) * 24 * 3600_000,
      secretGraceMs: int(env, 'WEBHOOK_SECRET_GRACE_HOURS', 24, 0) * 3600_000,
    },
  };
  return Object.freeze(config);
}
