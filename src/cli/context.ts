/**
 * What every CLI command is handed: its parsed options, the output (human text or --json), and the operator's
 * dependencies — the database (opened and migrated on demand), the sealer and the clock — so a command is a
 * thin call of the same use case the HTTP route calls.
 */
import { pino } from 'pino';
import type { AppDeps } from '../app-deps.js';
import type { Config } from '../config.js';
import { type CacheBus, cacheChannel, RedisCacheBus } from '../lib/cache-bus.js';
import { systemClock } from '../lib/clock.js';
import { Sealer } from '../lib/crypto.js';
import { openStorage } from '../storage/db.js';
import { migrateToLatest } from '../storage/migrate.js';

/** Bad command-line input (unknown command, a missing or malformed flag): exit code 2, nothing changed. */
export class UsageError extends Error {}

export const CLI_OPTIONS = {
  json: { type: 'boolean' },
  role: { type: 'string' },
  name: { type: 'string' },
  plan: { type: 'string' },
  status: { type: 'string' },
  id: { type: 'string' },
  org: { type: 'string' },
  owner: { type: 'string' },
  email: { type: 'string' },
  host: { type: 'string' },
  'shop-url': { type: 'string' },
  country: { type: 'string' },
  'consent-default': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  domain: { type: 'string' },
  type: { type: 'string' },
  config: { type: 'string' },
  limit: { type: 'string' },
  scopes: { type: 'string' },
  url: { type: 'string' },
  events: { type: 'string' },
  description: { type: 'string' },
  message: { type: 'string' },
  'fake-port-base': { type: 'string' },
  platform: { type: 'string' },
  secret: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  'dry-run': { type: 'boolean' },
  // store sync (issue 11)
  channel: { type: 'string' },
  full: { type: 'boolean' },
  // Product feeds (issue 11)
  slug: { type: 'string' },
  format: { type: 'string' },
  publish: { type: 'boolean' },
  unpublish: { type: 'boolean' },
  filters: { type: 'string' },
  overrides: { type: 'string' },
  // attribution report (issue 12)
  window: { type: 'string' },
  // backup (issue 14)
  out: { type: 'string' },
  // retention and a person's data (issue 14 §3)
  phone: { type: 'string' },
  'full-vacuum': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CliValues = {
  [K in keyof typeof CLI_OPTIONS]?: (typeof CLI_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

export interface Output {
  json: boolean;
  print(human: string, data: unknown): void;
}

export function output(json: boolean): Output {
  return {
    json,
    print(human, data) {
      process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${human}\n`);
    },
  };
}

/**
 * The dependencies an operator command has: no HTTP, no worker, no caches of its own — but with REDIS_URL a
 * cache bus that announces its changes to the running nodes (a revocation holds there at once).
 */
export type OperatorDeps = Pick<AppDeps, 'config' | 'storage' | 'sealer' | 'clock'> &
  Partial<Pick<AppDeps, 'caches'>>;

export interface CommandContext {
  values: CliValues;
  out: Output;
  /** The configuration (read from the environment on first use: `dev` needs none). */
  config(): Config;
  /** Opens (and migrates) the database for `fn`, and closes it afterwards. */
  withDeps<T>(fn: (deps: OperatorDeps) => Promise<T>): Promise<T>;
}

export interface Command {
  /** `org create`, `serve`, … */
  name: string;
  /** One line (or more) of the usage text. */
  usage: string;
  /** The process exit code. */
  run(ctx: CommandContext): Promise<number>;
}

export function required(values: CliValues, name: keyof CliValues): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

export async function withOperatorDeps<T>(
  config: Config,
  fn: (deps: OperatorDeps) => Promise<T>,
): Promise<T> {
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteSynchronous: config.sqliteSynchronous,
    ...(config.databaseSchema ? { pgSchema: config.databaseSchema } : {}),
  });
  const announcer = await cliCacheBus(config);
  try {
    await migrateToLatest(storage);
    return await fn({
      config,
      storage,
      sealer: new Sealer(config.encryptionKeys),
      clock: systemClock,
      ...(announcer ? { caches: announcer.bus } : {}),
    });
  } finally {
    announcer?.close();
    await storage.close();
  }
}

/**
 * With REDIS_URL: a bus that only announces (the CLI holds no caches), on a connection opened by the first
 * announcement, so commands that change nothing never connect.
 */
async function cliCacheBus(config: Config): Promise<{ bus: CacheBus; close(): void } | null> {
  if (!config.redisUrl) return null;
  const { Redis } = await import('ioredis');
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  // A failed announcement is logged by the bus (to stderr); ioredis's own connection errors add nothing.
  redis.on('error', () => {});
  const log = pino({ level: config.logLevel }, pino.destination(2));
  const bus = new RedisCacheBus(redis, null, cacheChannel(config.databaseSchema), log);
  return { bus, close: () => redis.disconnect() };
}

/** Resolves on the first SIGTERM or SIGINT (graceful shutdown follows). */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
