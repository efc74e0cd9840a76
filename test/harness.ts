/**
 * Test harness: a service (app + worker) on a fresh database per test, on the dialect the runner chose
 * (TEST_DATABASE=sqlite|postgres), plus fixture builders that take partials over sensible defaults.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { type Logger, pino } from 'pino';
import { type Config, loadConfig } from '../src/config.js';
import type { DestinationType } from '../src/destinations/types.js';
import { type Clock, ManualClock } from '../src/lib/clock.js';
import type { Plan } from '../src/lib/plans.js';
import type { Mailer } from '../src/mail/mailer.js';
import { type Role, type Service, startService } from '../src/main.js';
import { validateAndSaveDestination } from '../src/management/domains/validate-and-save-destination.js';
import type { DB } from '../src/storage/db.js';
import { COUNTED_COLUMNS, countMoves } from '../src/storage/repos/deliveries.js';
import { countNewDeliveries } from '../src/storage/repos/delivery-counts.js';
import { createDomain } from '../src/storage/repos/domains.js';
import { createOrg } from '../src/storage/repos/orgs.js';
import type { Delivery, Domain, NewDelivery, Org } from '../src/storage/schema.js';

export const dialect = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
export const pgUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = process.env.TEST_REDIS_URL || '';

export interface TestService extends Service {
  dataDir: string;
  schema: string | null;
  /** Stops the service and removes its database. */
  destroy(): Promise<void>;
}

export interface TestServiceOptions {
  env?: Record<string, string>;
  role?: Role;
  listen?: boolean;
  clock?: Clock;
  /** Captures mail instead of sending it (the SMTP path has its own tests). */
  mailer?: Mailer;
  /** The service's logger (tests that read log lines); silent otherwise. */
  logger?: Logger;
}

/** Environment for a test service: a temp DATA_DIR, a random key, fast retries; the dialect's DATABASE_URL. */
export function testEnv(dataDir: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    SQLITE_SYNCHRONOUS: 'NORMAL',
    DELIVERY_POLL_INTERVAL_MS: '20',
    RETRY_BASE_MS: '10',
    RETRY_CAP_MS: '50',
    ...(dialect === 'postgres' ? { DATABASE_URL: pgUrl } : {}),
    ...env,
  };
}

export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tagbridge-test-'));
  const config: Config = loadConfig(testEnv(dataDir, options.env));
  // A test may join another service's schema (two nodes on one database); only a schema made here is dropped.
  const shared = options.env?.DATABASE_SCHEMA ?? null;
  const schema = dialect === 'postgres' ? (shared ?? `t_${randomBytes(6).toString('hex')}`) : null;
  const service = await startService(config, {
    role: options.role ?? 'all',
    listen: options.listen ?? false,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.mailer ? { mailer: options.mailer } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(schema ? { pgSchema: schema } : {}),
  });
  return {
    ...service,
    dataDir,
    schema,
    async destroy() {
      await service.close();
      if (schema && !shared) await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Environment for another node on `service`'s database: same DATA_DIR (SQLite) or schema (PostgreSQL) and
 * the same key, as several nodes of one deployment share them.
 */
export function sameDatabaseEnv(service: TestService): Record<string, string> {
  return {
    DATA_DIR: service.dataDir,
    ENCRYPTION_KEY: service.config.encryptionKeys[0]!.toString('base64'),
    ...(service.schema ? { DATABASE_SCHEMA: service.schema } : {}),
  };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

export interface Tenant {
  org: Org;
  domain: Domain;
  proxyToken: string;
  syncToken: string;
  destinations: Partial<Record<DestinationType, string>>;
}

export interface TenantOptions {
  host?: string;
  plan?: Plan;
  shopUrl?: string;
  destinations?: Partial<Record<DestinationType, Record<string, unknown>>>;
}

let hostCounter = 0;

export async function createTenant(service: Service, options: TenantOptions = {}): Promise<Tenant> {
  const now = Date.now();
  const { db } = service.storage;
  const org = await createOrg(db, { name: 'Test shop', plan: options.plan ?? 'pro', now });
  hostCounter += 1;
  const created = await createDomain(db, service.sealer, {
    orgId: org.id,
    host: options.host ?? `ssp${hostCounter}.shop${randomBytes(3).toString('hex')}.test`,
    shopUrl: options.shopUrl ?? 'https://shop.example.com',
    now,
  });
  const destinations: Partial<Record<DestinationType, string>> = {};
  for (const [type, config] of Object.entries(options.destinations ?? {})) {
    const result = await validateAndSaveDestination(db, service.sealer, {
      orgId: org.id,
      domainId: created.domain.id,
      type: type as DestinationType,
      config,
      now,
    });
    if (!result.ok) throw new Error(`bad ${type} config: ${result.errors.join('; ')}`);
    destinations[type as DestinationType] = result.destination.id;
  }
  service.domains.invalidate();
  return {
    org,
    domain: created.domain,
    proxyToken: created.proxyToken,
    syncToken: created.syncToken,
    destinations,
  };
}

/** A rich, valid proxy event; override what a test is about. */
export function purchaseEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventName: 'Purchase',
    eventTime: Math.floor(Date.now() / 1000) - 5,
    eventId: `order-${randomBytes(4).toString('hex')}`,
    eventSourceUrl: 'https://shop.example.com/checkout/order-received/123/',
    userData: {
      email: 'Jane.Doe@Example.com',
      phone: '(650) 555-1212',
      firstName: 'Jane',
      lastName: 'Doe',
      city: 'Menlo Park',
      state: 'CA',
      zip: '94025',
      country: 'US',
      ipAddress: '203.0.113.42',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
      fbc: 'fb.1.1700000000.AbCdEf',
      fbp: 'fb.1.1700000000.1234567890',
    },
    customData: {
      currency: 'USD',
      value: 49.99,
      orderId: 'T-12345',
      contents: [{ id: 'SKU-001', name: 'Widget', quantity: 1, price: 49.99 }],
      numItems: 1,
    },
    ...overrides,
  };
}

/** The one delivery row of the event with this eventId (tests that send a single destination's event). */
export async function deliveryOfEvent(service: Service, eventId: string): Promise<Delivery> {
  return service.storage.db
    .selectFrom('deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_pk')
    .selectAll('d')
    .where('e.event_id', '=', eventId)
    .executeTakeFirstOrThrow();
}

export function proxyHeaders(tenant: Tenant, extra: Record<string, string> = {}): Record<string, string> {
  return {
    host: tenant.domain.host,
    'content-type': 'application/json',
    'x-ssp-token': tenant.proxyToken,
    ...extra,
  };
}

/** A logger (for `startTestService({ logger })`) whose lines land, parsed, in `lines`. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

export { ManualClock };

export interface TestSession {
  userId: string;
  email: string;
  token: string;
  /** Headers a dashboard request carries: the session cookie and the dashboard's Origin (CSRF check). */
  headers: Record<string, string>;
}

/**
 * A signed-in user (skipping the magic-link flow, which has its own tests): the user, a membership with
 * `role` in `orgId`, and a live session whose current org is `orgId`.
 */
export async function createSession(
  service: Service,
  options: { orgId?: string | null; role?: 'owner' | 'admin' | 'member' | 'viewer'; email?: string } = {},
): Promise<TestSession> {
  const { db } = service.storage;
  const now = Date.now();
  const email = options.email ?? `user-${randomBytes(4).toString('hex')}@example.com`;
  let user = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  if (!user) {
    user = { id: `usr_${randomBytes(8).toString('hex')}`, email, created_at: now, last_login_at: now };
    await db.insertInto('users').values(user).execute();
  }
  const orgId = options.orgId ?? null;
  if (orgId) {
    await db
      .insertInto('memberships')
      .values({ org_id: orgId, user_id: user.id, role: options.role ?? 'owner', created_at: now })
      .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ role: options.role ?? 'owner' }))
      .execute();
  }
  const token = randomBytes(32).toString('hex');
  await db
    .insertInto('sessions')
    .values({
      id: `ses_${randomBytes(8).toString('hex')}`,
      token_hash: createHash('sha256').update(token).digest('hex'),
      user_id: user.id,
      current_org_id: orgId,
      created_at: now,
      last_seen_at: now,
      expires_at: now + 30 * 24 * 3600_000,
      revoked_at: null,
    })
    .execute();
  return {
    userId: user.id,
    email,
    token,
    headers: {
      cookie: `sc_session=${token}`,
      origin: new URL(service.config.management.publicBaseUrl).origin,
    },
  };
}

/**
 * Fixture rows written straight into `deliveries`, with their hourly counters: every writer keeps both
 * (src/storage/delivery-counts.ts), so a fixture that stands in for a writer must too.
 */
export async function insertDeliveryRows(db: DB, rows: NewDelivery[]): Promise<void> {
  await db.insertInto('deliveries').values(rows).execute();
  await countNewDeliveries(db, rows);
}

/** Fixture: sets deliveries' status (and `set`), moving their counters as the writers do. */
export async function setDeliveryStatus(
  db: DB,
  ids: string[],
  status: string,
  set: Partial<Omit<NewDelivery, 'status'>> = {},
): Promise<void> {
  if (ids.length === 0) return;
  const before = await db.selectFrom('deliveries').select(COUNTED_COLUMNS).where('id', 'in', ids).execute();
  const finalAt = set.final_at === undefined ? null : set.final_at;
  await db
    .updateTable('deliveries')
    .set({ ...set, status })
    .where('id', 'in', ids)
    .execute();
  await countMoves(
    db,
    before.map((row) => ({
      ...row,
      from: row.status,
      status,
      last_error: set.last_error ?? row.last_error,
      final_at: finalAt,
    })),
    'pending',
  );
}
