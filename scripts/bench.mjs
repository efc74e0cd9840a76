#!/usr/bin/env node
/**
 * `npm run bench`: ingest and delivery throughput of the compiled service (issues 2 and 15, "Benchmark").
 *
 *   (1) ceiling: a bare node:http server that JSON.parses the same bodies (1 and 50 events per request)
 *   (2) POST /v1/events, 1 event per request, 50 connections, `serve --role all` (the default a user runs)
 *   (3) POST /v1/events, 50 events per request, `--role all`
 *   (4) delivery drain: 100,000 stored events delivered by `serve --role worker` alone to a fake Meta
 *   (5)–(7) with `npm run bench -- --postgres`: (2)–(4) again on PostgreSQL, after the SQLite ones
 *   (8)–(9) with BENCH_PHASES=…,feeds (issue 11): a 100,000-product feed generated on a cache miss (time, peak
 *           RSS) and served on cache hits (req/s), each against a static file of the same size (bench/feeds.mjs)
 *   (10)–(12) with --postgres (issue 14, scale-out): (6) with one and with two `--role api` processes sharing
 *           the load, and (7) drained by two workers; every process on the server core
 *
 * Servers run pinned to CPU 0, this process (autocannon) and the fake platform to CPU 1 (PostgreSQL's
 * own processes are not pinned). Every Tagbridge run gets a fresh DATA_DIR with embedded SQLite at its
 * defaults (synchronous=FULL: a 2xx means committed) or, on PostgreSQL, a fresh database of its own
 * (dropped afterwards), an enterprise org, one domain and one enabled meta destination pointed at the
 * fake (META_GRAPH_URL). With `--role all` the worker delivers while the load runs; after the load the
 * server is left running until everything stored is delivered, then checked.
 *
 * Per phase: req/s, events/s, latency, peak RSS (VmHWM) and, after (2)/(3) and after filling the backlog
 * of (4), bytes on disk per stored event (SQLite: db + WAL; PostgreSQL: pg_total_relation_size of the
 * run's tables), and after the drain the same again once delivered and once a retention pass has run as
 * if EVENT_RETENTION_DAYS had passed (bench/retention-pass.mjs), with ratios to the bare ceiling of the same run. Correctness is checked inside the
 * run: every 2xx event stored exactly once, and with --role all and in the drain every stored event
 * delivered exactly once to the fake (count, id checksum, no event twice, every delivery `delivered`).
 *
 * Flags:
 *   --postgres               also run (2)–(4) on PostgreSQL (BENCH_PG_URL, default
 *                            postgres://postgres@127.0.0.1:5432/postgres; a database per phase)
 *
 * Environment (all optional):
 *   BENCH_DURATION=10        seconds per measured load phase
 *   BENCH_WARMUP=2           seconds of warm-up before each (JIT, connection pools, SQLite cache)
 *   BENCH_CONNECTIONS=50
 *   BENCH_DRAIN_EVENTS=100000
 *   BENCH_DRAIN_TIMEOUT=300  seconds before the drain phase gives up
 *   BENCH_PHASES=baseline,ingest1,ingest50,drain,scale   run a subset; `scale` is (10)–(12), PostgreSQL only;
 *                            `feeds` (not in the default set) adds (8)–(9),
 *                            `BENCH_PHASES=feeds` runs it alone (results.json keeps the other phases' figures)
 *   BENCH_FEED_PRODUCTS=100000  products in the feed phase's catalogue
 *   BENCH_FEED_CONNECTIONS=10   connections of the feed cache-hit load (each answer is megabytes)
 *   BENCH_INGEST_ROLE=all    role of the server in (2)/(3); `api` leaves delivery out (no delivery check)
 *   BENCH_DATABASES=sqlite   dialects to run (sqlite,postgres; --postgres adds postgres); postgres alone
 *                            skips the SQLite phases (experiments)
 *   BENCH_SERVER_ENV='{"GROUP_COMMIT_MAX_WAIT_MS":"1"}'   extra server env (experiments; printed)
 *   BENCH_CPU_PROF=1         write V8 CPU profiles of the servers to .bench/profiles/<phase>/ (one file per thread)
 *   BENCH_SKIP_BUILD=1       use the build as it is (default: npm run build first)
 *   BENCH_DIST=path          a compiled tree other than dist/ (e.g. a snapshot of another commit);
 *                            implies BENCH_SKIP_BUILD; BENCH_BUILD_COMMIT=sha records what it was built from
 *   BENCH_KEEP=1             keep the temp DATA_DIRs and the PostgreSQL databases
 *   BENCH_STRICT=1           exit 1 when a performance target is missed (default: only on errors)
 *   BENCH_RETRIES=2          re-run a phase (fresh server) this many times at most while other processes
 *                            disturbed it; the least disturbed attempt is kept (shared machines)
 *
 * Exit code: 0 when the run completed and every correctness check passed; 1 otherwise.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bodyFactory } from '../bench/bodies.mjs';
import { feedsPhase } from '../bench/feeds.mjs';
import { runLoad } from '../bench/load.mjs';
import {
  backendPids,
  createDatabase,
  dropDatabase,
  dropLeftoversSync,
  adminUrl as pgAdminUrl,
  serverVersion as pgServerVersion,
} from '../bench/postgres.mjs';
import {
  canPin,
  cpuSecondsOf,
  killAll,
  memoryOf,
  pinSelf,
  sampleProcess,
  spawnNode,
  watchContention,
} from '../bench/procs.mjs';
import {
  bytesOnDisk,
  diskBreakdown,
  openStore,
  storedIdDigest,
  verifyDelivered,
  verifyIngest,
} from '../bench/verify.mjs';

const root = new URL('..', import.meta.url).pathname;
const dist = resolve(root, process.env.BENCH_DIST || 'dist');
const cliMain = join(dist, 'cli-main.js');
const SERVER_CPU = 0;
const LOAD_CPU = 1;

function envNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) fail(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

const flags = process.argv.slice(2);
for (const flag of flags) if (flag !== '--postgres') fail(`unknown flag ${flag} (known: --postgres)`);

const settings = {
  durationSec: envNumber('BENCH_DURATION', 10),
  warmupSec: envNumber('BENCH_WARMUP', 2),
  connections: envNumber('BENCH_CONNECTIONS', 50),
  drainEvents: envNumber('BENCH_DRAIN_EVENTS', 100_000),
  drainTimeoutSec: envNumber('BENCH_DRAIN_TIMEOUT', 300),
  phases: (process.env.BENCH_PHASES || 'baseline,ingest1,ingest50,drain,scale')
    .split(',')
    .map((s) => s.trim()),
  ingestRole: process.env.BENCH_INGEST_ROLE || 'all',
  databases: [
    ...new Set([
      ...(process.env.BENCH_DATABASES || 'sqlite').split(',').map((s) => s.trim()),
      ...(flags.includes('--postgres') ? ['postgres'] : []),
    ]),
  ],
  serverEnv: process.env.BENCH_SERVER_ENV ? JSON.parse(process.env.BENCH_SERVER_ENV) : {},
  cpuProf: process.env.BENCH_CPU_PROF === '1',
  keep: process.env.BENCH_KEEP === '1',
  strict: process.env.BENCH_STRICT === '1',
  retries: process.env.BENCH_RETRIES === '0' ? 0 : envNumber('BENCH_RETRIES', 2),
};
for (const phase of settings.phases) {
  if (!['baseline', 'ingest1', 'ingest50', 'drain', 'scale', 'feeds'].includes(phase))
    fail(`unknown phase "${phase}"`);
}
if (!['api', 'all'].includes(settings.ingestRole)) fail('BENCH_INGEST_ROLE must be api or all');
for (const db of settings.databases) {
  if (!['sqlite', 'postgres'].includes(db)) fail(`BENCH_DATABASES: unknown database "${db}"`);
}

// Loopback networking's kernel time shows up as "other" too; beyond this, something else was running.
const CONTENTION_WARN_CORES = 0.15;
/** The fake platform's pid, once started (its CPU is ours, not contention). */
let fakeProcess = null;

/** Issue 15's table. PostgreSQL: its own bulk and drain figures; RSS for every phase of both dialects. */
const TARGETS = {
  ingest1RatioMin: 0.5,
  ingest1P99MaxMs: 10,
  ingest50EventsMin: 100_000,
  drainEventsMin: 30_000,
  rssMaxBytes: 150 * 1024 * 1024,
  bytesPerEventMax: 700,
  pgIngest50EventsMin: 50_000,
  pgDrainEventsMin: 20_000,
  // Issue 11: a 100,000-product feed generated within this.
  feedRssMaxBytes: 150 * 1024 * 1024,
};

// ---------------------------------------------------------------------------------------------- cleanup

const tempDirs = [];
function cleanup() {
  killAll();
  if (settings.keep) return;
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  dropLeftoversSync();
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping children\n`);
    cleanup();
    process.exit(130);
  });
}
process.on('uncaughtException', (error) => {
  process.stderr.write(`\nbench failed: ${error?.stack ?? error}\n`);
  cleanup();
  process.exit(1);
});
process.on('unhandledRejection', (error) => {
  process.stderr.write(`\nbench failed: ${error?.stack ?? error}\n`);
  cleanup();
  process.exit(1);
});

// ---------------------------------------------------------------------------------------------- helpers

const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes) => bytes / (1024 * 1024);
const fmt = (n, digits = 0) =>
  n === null || n === undefined || Number.isNaN(n)
    ? '—'
    : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A minimal environment, so a developer's DATABASE_URL, REDIS_URL or tuning never leaks into a run. */
function baseEnv() {
  const env = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name]) env[name] = process.env[name];
  return env;
}

function profArgs(name) {
  if (!settings.cpuProf) return [];
  // A folder per phase and Node's own file names (…pid.threadId.seq): a fixed name would have the SQLite
  // writer thread's profile and the main thread's overwrite each other.
  const dir = join(root, '.bench', 'profiles', name);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', dir];
}

function cli(env, args) {
  const result = spawnSync(process.execPath, [cliMain, ...args, '--json'], {
    env,
    encoding: 'utf8',
  });
  let parsed = null;
  try {
    parsed = JSON.parse(result.stdout.trim().split('\n').pop() ?? '');
  } catch {
    // Reported below.
  }
  if (result.status !== 0 || !parsed || parsed.error) {
    throw new Error(`tagbridge ${args.join(' ')} failed: ${result.stdout}${result.stderr}`);
  }
  return parsed;
}

const HOST_HEADER = 'bench.shop.test';

/**
 * A fresh DATA_DIR (and on PostgreSQL a fresh database) with an enterprise org, one domain and a meta
 * destination on the fake, via the CLI. `target` tells the checks where the data is.
 */
async function prepareTagbridge(name, fakeUrl, dialect) {
  const dataDir = mkdtempSync(join(tmpdir(), `tagbridge-bench-${name}-`));
  tempDirs.push(dataDir);
  const database =
    dialect === 'postgres' ? await createDatabase(name.replace(/[^a-z0-9]/gi, '').toLowerCase()) : null;
  const env = {
    ...baseEnv(),
    DATA_DIR: dataDir,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PROXY_RATE_LIMIT_PER_MINUTE: '0',
    META_GRAPH_URL: fakeUrl,
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...settings.serverEnv,
  };
  const org = cli(env, ['org', 'create', '--name', 'Bench shop', '--plan', 'enterprise']);
  const domain = cli(env, [
    'domain',
    'add',
    '--org',
    org.id,
    '--host',
    HOST_HEADER,
    '--shop-url',
    'https://shop.example.com',
  ]);
  cli(env, [
    'destination',
    'set',
    '--domain',
    domain.id,
    '--type',
    'meta',
    '--config',
    JSON.stringify({ pixelId: '1234567890', accessToken: 'EAAB-bench-token-1234' }),
  ]);
  return {
    env,
    dataDir,
    dialect,
    database,
    target: database ? { dialect, url: database.url } : { dialect, file: join(dataDir, 'tagbridge.db') },
    headers: {
      host: HOST_HEADER,
      'content-type': 'application/json',
      'x-ssp-token': domain.proxyToken,
    },
  };
}

/** Drops the phase's PostgreSQL database (its figures are taken by then); DATA_DIRs go at exit. */
async function releaseTagbridge(tenant) {
  if (tenant.database && !settings.keep) await dropDatabase(tenant.database.name);
}

/** Pids whose CPU belongs to the run besides the server and the fake: PostgreSQL's, on PostgreSQL. */
async function dbPids(tenant) {
  return tenant?.database ? backendPids(tenant.database.name) : [];
}

async function startTagbridge(name, tenant, role) {
  const port = await freePort();
  const server = spawnNode(
    `tagbridge ${role}`,
    [...profArgs(name), cliMain, 'serve', '--role', role, '--json'],
    { cpu: SERVER_CPU, env: { ...tenant.env, PORT: String(port) }, cwd: root },
  );
  const ready = await server.waitForJson((line) => line.role === role);
  return { server, url: `http://127.0.0.1:${port}`, readyAt: Date.now(), address: ready.address };
}

/** Warm-up, then the measured run with memory and server CPU sampled over it. */
async function measure({ server, url, headers, eventsPerRequest, tag, tenant }) {
  const fakePid = fakeProcess?.pid;
  if (settings.warmupSec > 0) {
    await runLoad({
      url,
      headers,
      connections: settings.connections,
      durationSec: settings.warmupSec,
      makeBody: bodyFactory(eventsPerRequest, `w${tag}-`),
    });
    // Let requests cut off at the end of the warm-up finish before the measured run starts.
    await sleep(500);
  }
  const prefix = `m${tag}-`;
  const sampler = sampleProcess(server.pid);
  const contention = watchContention([server.pid, ...(fakePid ? [fakePid] : []), ...(await dbPids(tenant))]);
  const load = await runLoad({
    url,
    headers,
    connections: settings.connections,
    durationSec: settings.durationSec,
    makeBody: bodyFactory(eventsPerRequest, prefix),
  });
  const otherCpu = contention.stop(await dbPids(tenant));
  const mem = sampler.stop();
  return {
    load,
    mem,
    serverCpu: mem.cpuCoresBetween(load.firstAt, load.lastAt),
    serverMainCpu: mem.cpuCoresBetween(load.firstAt, load.lastAt, 'mainCpu'),
    otherCpu,
    prefix,
  };
}

/**
 * Microseconds of server CPU per event (whole process, and its main thread): less disturbed by other load
 * on the machine than events/s, so the figure to compare two builds by when the host is noisy.
 */
function cpuPerEvent(cores, eventsPerSec) {
  return cores === null || cores === undefined || !eventsPerSec ? null : (cores * 1e6) / eventsPerSec;
}

function summarize(name, label, eventsPerRequest, measured) {
  const { load, mem, serverCpu, serverMainCpu, otherCpu } = measured;
  const eventsPerSec = load.reqPerSec * eventsPerRequest;
  return {
    name,
    label,
    eventsPerRequest,
    connections: settings.connections,
    seconds: load.seconds,
    requests2xx: load.requestsOk,
    non2xx: load.non2xx,
    statusCodes: load.statusCodes,
    socketErrors: load.errors,
    timeouts: load.timeouts,
    reqPerSec: load.reqPerSec,
    eventsPerSec,
    latencyMs: load.latencyMs,
    peakRssBytes: mem.peakRssBytes,
    maxSampledRssBytes: mem.maxSampledRssBytes,
    serverCpuCores: serverCpu,
    serverMainThreadCpuCores: serverMainCpu,
    serverCpuMicrosPerEvent: cpuPerEvent(serverCpu, eventsPerSec),
    serverMainThreadCpuMicrosPerEvent: cpuPerEvent(serverMainCpu, eventsPerSec),
    generatorCpuCores: load.generatorCpu,
    otherProcessesCpuCores: otherCpu,
  };
}

function logPhase(result) {
  log(
    `    ${fmt(result.reqPerSec)} req/s, ${fmt(result.eventsPerSec)} events/s, p50 ${fmt(result.latencyMs?.p50, 1)} ms, ` +
      `p99 ${fmt(result.latencyMs?.p99, 1)} ms, peak RSS ${fmt(mb(result.peakRssBytes), 1)} MB, ` +
      `server CPU ${fmt((result.serverCpuCores ?? 0) * 100)} %, generator CPU ${fmt((result.generatorCpuCores ?? 0) * 100)} %`,
  );
  if (result.serverCpuMicrosPerEvent !== null && result.serverCpuMicrosPerEvent !== undefined) {
    log(
      `    server CPU per event ${fmt(result.serverCpuMicrosPerEvent)} µs, of which the main thread ${fmt(result.serverMainThreadCpuMicrosPerEvent)} µs ` +
        '(the rest: the SQLite writer thread, GC and compiler helpers, libuv)',
    );
  }
  if ((result.otherProcessesCpuCores ?? 0) > CONTENTION_WARN_CORES) {
    log(
      `    !! other processes used ${fmt(result.otherProcessesCpuCores * 100)} % of a core meanwhile: this phase was disturbed`,
    );
  }
}

// ---------------------------------------------------------------------------------------------- phases

async function baselinePhase(eventsPerRequest) {
  const name = `baseline${eventsPerRequest}`;
  log(
    `\n(1${eventsPerRequest === 1 ? 'a' : 'b'}) bare node:http ceiling, ${eventsPerRequest} event(s)/request`,
  );
  const port = await freePort();
  const server = spawnNode('baseline', [...profArgs(name), join(root, 'bench/baseline-server.mjs')], {
    cpu: SERVER_CPU,
    env: { ...baseEnv(), PORT: String(port), HOST: '127.0.0.1' },
  });
  try {
    await server.waitForJson((line) => typeof line.address === 'string');
    const measured = await measure({
      server,
      url: `http://127.0.0.1:${port}/v1/events`,
      headers: { host: HOST_HEADER, 'content-type': 'application/json', 'x-ssp-token': 'x'.repeat(64) },
      eventsPerRequest,
      tag: `b${eventsPerRequest}`,
    });
    const result = summarize(
      name,
      `(1${eventsPerRequest === 1 ? 'a' : 'b'}) bare node:http, ${eventsPerRequest} ev/req`,
      eventsPerRequest,
      measured,
    );
    logPhase(result);
    return result;
  } finally {
    await server.stop();
  }
}

/** Result key, printed number and database label of a Tagbridge phase: (2)–(4) SQLite, (5)–(7) PostgreSQL. */
function phaseId(kind, dialect) {
  const index = { ingest1: 0, ingest50: 1, drain: 2 }[kind];
  const pg = dialect === 'postgres';
  return {
    key: pg ? `pg${kind[0].toUpperCase()}${kind.slice(1)}` : kind,
    number: `(${index + (pg ? 5 : 2)})`,
    dbLabel: pg ? 'PostgreSQL' : 'SQLite',
  };
}

const FINAL_STATUSES = ['delivered', 'failed', 'skipped', 'dead'];

/**
 * Polls until every stored event's delivery has an outcome and the fake has seen as many distinct events
 * (or `expected` of them, when the count is known). The fake is asked first (cheap, over IPC); the
 * database only once the fake has enough, since counting is a scan of the queue. Without `expected`, the
 * stored count is taken again at the end, in case a cut-off request committed late.
 */
async function waitForDelivered(store, fake, deadline, expected = null) {
  let target = expected ?? (await store.totalEvents());
  for (;;) {
    await sleep(100);
    const stats = await fake.call('stats');
    if (stats.unique >= target) {
      const counts = await store.deliveryCounts();
      const open = Object.entries(counts)
        .filter(([status]) => !FINAL_STATUSES.includes(status))
        .reduce((sum, [, n]) => sum + n, 0);
      if (open === 0) {
        const now = expected ?? (await store.totalEvents());
        if (now === target) return { timedOut: false, counts, lastAt: await store.lastOutcomeAt() };
        target = now;
      }
    }
    if (Date.now() > deadline) {
      return { timedOut: true, counts: await store.deliveryCounts(), lastAt: await store.lastOutcomeAt() };
    }
  }
}

/**
 * With --role all, after the load: leaves the server running until the worker has delivered everything
 * stored (the backlog the load left), so the delivery check can see every event. Its RSS counts too.
 */
async function catchUpDelivery(server, tenant, fake) {
  await sleep(500); // requests cut off at the end of the load finish (committed or not) meanwhile
  const store = await openStore(tenant.target);
  const memory = sampleProcess(server.pid);
  const started = performance.now();
  try {
    const backlog = (await store.totalEvents()) - (await fake.call('stats')).unique;
    const outcome = await waitForDelivered(store, fake, Date.now() + settings.drainTimeoutSec * 1000);
    const mem = memory.stop();
    return {
      timedOut: outcome.timedOut,
      backlogAfterLoad: backlog,
      catchUpSeconds: (performance.now() - started) / 1000,
      peakRssWithCatchUpBytes: mem.peakRssBytes,
    };
  } finally {
    await store.close();
  }
}

/** Bytes on disk and per stored event, logged; `when` says at what moment they were taken. */
/** `db 8.7 MB, wal 0.0 MB`: a bytesOnDisk result's parts. */
function diskPartsText(disk) {
  return Object.entries(disk.parts)
    .map(([name, bytes]) => `${name} ${fmt(mb(bytes), 1)} MB`)
    .join(', ');
}

async function diskUsage(tenant, store, when) {
  const disk = await bytesOnDisk(tenant.target);
  const events = await store.totalEvents();
  const perEvent = events > 0 ? disk.total / events : null;
  log(
    `    disk ${when}: ${fmt(mb(disk.total), 1)} MB (${diskPartsText(disk)}) for ${fmt(events)} events = ${fmt(perEvent)} bytes/event`,
  );
  // Per table and index, bytes per event: what a queue design pays for each of its structures.
  const breakdown =
    events > 0 ? (await diskBreakdown(tenant.target)).filter((r) => r.bytes / events >= 1) : [];
  if (breakdown.length > 0)
    log(`      per event: ${breakdown.map((r) => `${r.name} ${fmt(r.bytes / events)}`).join(', ')}`);
  const bytesPerEventBy = Object.fromEntries(breakdown.map((r) => [r.name, Math.round(r.bytes / events)]));
  return {
    bytesOnDisk: disk.total,
    diskParts: disk.parts,
    diskEvents: events,
    bytesPerEvent: perEvent,
    bytesPerEventBy,
  };
}

/**
 * Disk after the drain (delivered: personal data erased, due entries gone) and after one retention pass as
 * if EVENT_RETENTION_DAYS had passed (bench/retention-pass.mjs), per event of the backlog.
 */
async function retentionFigures(tenant, store, queued) {
  const delivered = await bytesOnDisk(tenant.target);
  log(
    `    disk after delivery: ${fmt(mb(delivered.total), 1)} MB (${diskPartsText(delivered)}) = ` +
      `${fmt(delivered.total / queued)} bytes/event`,
  );
  const pass = spawnSync(process.execPath, [join(root, 'bench/retention-pass.mjs')], {
    env: { ...tenant.env, BENCH_DIST_DIR: dist },
    encoding: 'utf8',
  });
  if (pass.status !== 0) throw new Error(`retention pass failed: ${pass.stdout}${pass.stderr}`);
  const report = JSON.parse(pass.stdout.trim().split('\n').pop());
  const after = await bytesOnDisk(tenant.target);
  const left = await store.totalEvents();
  log(
    `    retention pass ${report.shiftedDays} days later: ${fmt(report.deleted.events ?? 0)} events and ` +
      `${fmt(report.deleted.deliveries ?? 0)} deliveries deleted in ${fmt(report.durationMs / 1000, 1)} s; disk ` +
      `${fmt(mb(after.total), 1)} MB (${diskPartsText(after)}) = ${fmt(after.total / queued)} bytes per event received, ` +
      `${fmt(left)} events left`,
  );
  return {
    bytesPerEventAfterDelivery: delivered.total / queued,
    bytesAfterRetention: after.total,
    diskPartsAfterRetention: after.parts,
    bytesPerEventAfterRetention: after.total / queued,
    eventsLeftAfterRetention: left,
    retentionDeleted: report.deleted,
    retentionSeconds: report.durationMs / 1000,
  };
}

async function ingestPhase(eventsPerRequest, fake, dialect) {
  const { key, number, dbLabel } = phaseId(eventsPerRequest === 1 ? 'ingest1' : 'ingest50', dialect);
  const delivering = settings.ingestRole === 'all';
  log(
    `\n${number} Tagbridge POST /v1/events on ${dbLabel}, ${eventsPerRequest} event(s)/request, role ${settings.ingestRole}`,
  );
  const tenant = await prepareTagbridge(key, fake.url, dialect);
  try {
    const { server, url } = await startTagbridge(key, tenant, settings.ingestRole);
    // The worker delivers warm-up and measured events alike: the fake counts from here.
    if (delivering) await fake.call('reset');
    let measured;
    let catchUp = null;
    try {
      measured = await measure({
        server,
        url: `${url}/v1/events`,
        headers: tenant.headers,
        eventsPerRequest,
        tag: `i${eventsPerRequest}`,
        tenant,
      });
      if (delivering) catchUp = await catchUpDelivery(server, tenant, fake);
    } finally {
      // Graceful stop: the group commit flushes what the cut-off requests handed it before the check.
      const exit = await server.stop();
      if (exit.code !== 0 && exit.code !== null) log(`    (server exited with code ${exit.code})`);
    }
    const result = {
      ...summarize(key, `${number} ${dbLabel}, ${eventsPerRequest} ev/req`, eventsPerRequest, measured),
      database: dialect,
      role: settings.ingestRole,
    };
    logPhase(result);
    const store = await openStore(tenant.target);
    try {
      Object.assign(result, await diskUsage(tenant, store, 'after the phase'));
      const check = await verifyIngest(store, {
        prefix: measured.prefix,
        eventsPerRequest,
        status: measured.load.status,
      });
      // Every request of the run is valid, so any other answer is a failure of the run, not load shedding.
      if (result.non2xx > 0 || result.socketErrors > 0) {
        check.ok = false;
        check.errors.push(
          `${result.non2xx} non-2xx answers ${JSON.stringify(result.statusCodes)}, ${result.socketErrors} socket errors`,
        );
      }
      log(
        `    check: ${check.ok ? 'OK' : 'FAILED'} — ${fmt(check.eventRows)} event rows, ${fmt(check.okEvents)} events answered 2xx, ` +
          `${check.cutOffRequests} requests cut off at the end (${check.cutOffRequestsStored} of them stored whole)` +
          (check.ok ? '' : `\n      ${check.errors.join('\n      ')}`),
      );
      if (delivering) {
        const stats = await fake.call('stats');
        const counts = await store.deliveryCounts();
        const delivered = verifyDelivered({ counts, stored: await storedIdDigest(store), stats });
        if (catchUp.timedOut)
          delivered.errors.unshift(`not all delivered within ${settings.drainTimeoutSec} s`);
        delivered.ok = delivered.errors.length === 0;
        result.delivery = {
          ...catchUp,
          statusCounts: counts,
          fakeRequests: stats.requests,
          fakeEvents: stats.events,
          fakeUniqueEvents: stats.unique,
          check: delivered,
        };
        if (!delivered.ok) {
          check.ok = false;
          check.errors.push(...delivered.errors);
        }
        log(
          `    delivery check: ${delivered.ok ? 'OK' : 'FAILED'} — ${fmt(stats.unique)} distinct events at the fake ` +
            `(${fmt(stats.events)} received, ${fmt(stats.requests)} requests); ${fmt(catchUp.backlogAfterLoad)} were ` +
            `still queued when the load stopped, delivered in ${fmt(catchUp.catchUpSeconds, 1)} s ` +
            `(peak RSS with that ${fmt(mb(catchUp.peakRssWithCatchUpBytes), 1)} MB)` +
            (delivered.ok ? '' : `\n      ${delivered.errors.join('\n      ')}`),
        );
      }
      result.correctness = check;
    } finally {
      await store.close();
    }
    return result;
  } finally {
    await releaseTagbridge(tenant);
  }
}

async function drainPhase(fake, dialect) {
  const { key, number, dbLabel } = phaseId('drain', dialect);
  const total = settings.drainEvents;
  const perRequest = 50;
  log(
    `\n${number} delivery drain on ${dbLabel}: ${fmt(total)} stored events → fake Meta (own process, CPU ${LOAD_CPU}), ` +
      'by `serve --role worker` alone',
  );
  const tenant = await prepareTagbridge(key, fake.url, dialect);
  try {
    return await drainWith(tenant, fake, { key, number, dbLabel, total, perRequest });
  } finally {
    await releaseTagbridge(tenant);
  }
}

async function drainWith(
  tenant,
  fake,
  { key, number, dbLabel, total, perRequest, workers = 1, label = null },
) {
  // Queue the events through the API (not measured); role api so nothing is delivered yet.
  const api = await startTagbridge(`${key}-fill`, tenant, 'api');
  const requests = Math.ceil(total / perRequest);
  const fillStarted = performance.now();
  let fill;
  try {
    fill = await runLoad({
      url: `${api.url}/v1/events`,
      headers: tenant.headers,
      connections: Math.min(settings.connections, requests),
      amount: requests,
      makeBody: bodyFactory(perRequest, 'd-'),
    });
  } finally {
    await api.server.stop();
  }
  const queued = fill.requestsOk * perRequest;
  log(
    `    queued ${fmt(queued)} events in ${fmt((performance.now() - fillStarted) / 1000, 1)} s (not measured)`,
  );
  if (fill.requestsOk !== requests) throw new Error(`filling the queue: ${fill.non2xx} requests failed`);
  const store = await openStore(tenant.target);
  try {
    // The backlog at rest (API stopped): the disk cost of a queued event.
    const disk = await diskUsage(tenant, store, 'of the queued backlog');
    const before = await store.deliveryCounts();
    if (before.pending !== queued)
      throw new Error(`expected ${queued} pending deliveries, found ${JSON.stringify(before)}`);

    await fake.call('reset');
    const started = Date.now();
    // Several workers (issue 14's scale-out figure) start together and share the one server core.
    const nodes = await Promise.all(
      Array.from({ length: workers }, (_, i) =>
        startTagbridge(workers > 1 ? `${key}-${i + 1}` : key, tenant, 'worker'),
      ),
    );
    const readyAt = Math.max(...nodes.map((n) => n.readyAt));
    const pids = nodes.map((n) => n.server.pid);
    const cpuAtReady = pids.map((pid) => cpuSecondsOf(pid));
    const mainCpuAtReady = pids.map((pid) => cpuSecondsOf(pid, pid));
    const memories = pids.map((pid) => sampleProcess(pid));
    const contention = watchContention([...pids, fake.proc.pid, ...(await dbPids(tenant))]);
    let outcome;
    try {
      outcome = await waitForDelivered(store, fake, readyAt + settings.drainTimeoutSec * 1000, queued);
    } finally {
      outcome ??= {};
      outcome.otherCpu = contention.stop(await dbPids(tenant));
      const mems = memories.map((m) => m.stop());
      // The peak of the largest process: what each node must be given, whatever the number of nodes.
      outcome.mem = mems.reduce((a, b) => (b.peakRssBytes > a.peakRssBytes ? b : a));
      outcome.serverCpuSeconds = pids.reduce((sum, pid, i) => sum + cpuSecondsOf(pid) - cpuAtReady[i], 0);
      outcome.serverMainCpuSeconds = pids.reduce(
        (sum, pid, i) => sum + cpuSecondsOf(pid, pid) - mainCpuAtReady[i],
        0,
      );
      await Promise.all(nodes.map((n) => n.server.stop()));
    }
    const { counts, lastAt, mem } = outcome;
    const stats = await fake.call('stats');
    const seconds = (lastAt - readyAt) / 1000;
    const result = {
      name: key,
      label: label ?? `${number} ${dbLabel}, drain`,
      database: tenant.dialect,
      workers,
      events: queued,
      seconds,
      eventsPerSec: queued / seconds,
      secondsFromProcessStart: (lastAt - started) / 1000,
      fakeRequests: stats.requests,
      fakeEvents: stats.events,
      fakeUniqueEvents: stats.unique,
      fakeFirstToLastSeconds: (stats.lastAt - stats.firstAt) / 1000,
      statusCounts: counts,
      peakRssBytes: mem.peakRssBytes,
      maxSampledRssBytes: mem.maxSampledRssBytes,
      serverCpuCores: outcome.serverCpuSeconds / seconds,
      serverCpuMicrosPerEvent: (outcome.serverCpuSeconds * 1e6) / queued,
      serverMainThreadCpuMicrosPerEvent: (outcome.serverMainCpuSeconds * 1e6) / queued,
      otherProcessesCpuCores: outcome.otherCpu,
      ...disk,
    };
    const check = verifyDelivered({ counts, stored: await storedIdDigest(store), stats });
    if (outcome.timedOut) check.errors.unshift(`drain did not finish within ${settings.drainTimeoutSec} s`);
    // Issue 14: what the same events cost once delivered, and once a retention pass has taken them.
    if (workers === 1 && !outcome.timedOut)
      Object.assign(result, await retentionFigures(tenant, store, queued));
    check.ok = check.errors.length === 0;
    result.correctness = check;
    log(
      `    ${fmt(result.eventsPerSec)} events/s (${fmt(seconds, 2)} s from worker ready to last outcome; ` +
        `${fmt(result.secondsFromProcessStart, 2)} s from process start), ${stats.requests} requests to the fake, ` +
        `peak RSS ${fmt(mb(result.peakRssBytes), 1)} MB, server CPU ${fmt(result.serverCpuCores * 100)} %, ` +
        `${fmt(result.serverCpuMicrosPerEvent)} µs of CPU per event (main thread ${fmt(result.serverMainThreadCpuMicrosPerEvent)} µs)`,
    );
    if ((result.otherProcessesCpuCores ?? 0) > CONTENTION_WARN_CORES) {
      log(
        `    !! other processes used ${fmt(result.otherProcessesCpuCores * 100)} % of a core meanwhile: this phase was disturbed`,
      );
    }
    log(
      `    check: ${check.ok ? 'OK' : 'FAILED'} — ${fmt(counts.delivered ?? 0)} delivered, fake got ${fmt(stats.events)} events ` +
        `(${fmt(stats.unique)} distinct)${check.ok ? '' : `\n      ${check.errors.join('\n      ')}`}`,
    );
    return result;
  } finally {
    await store.close();
  }
}

/**
 * Issue 14's scale-out figures, PostgreSQL only (the embedded SQLite is one process by design): bulk ingest
 * with one and with two API processes (`--role api`, so the figure is ingest alone), the load split evenly
 * between them, and the drain of the same backlog by two workers (one worker is phase (7)). Every process
 * of a phase is pinned to the server core: the figures say what a second node adds while the database
 * waits (PostgreSQL's round trips), not what a second machine would.
 */
async function scaleIngestPhase(fake, processes) {
  const key = `pgScaleIngest${processes}x`;
  const number = processes === 1 ? '(10)' : '(11)';
  const label = `${number} PostgreSQL, 50 ev/req, ${processes} API process${processes > 1 ? 'es' : ''}`;
  log(`\n${label} (role api, load split evenly, every process on CPU ${SERVER_CPU})`);
  const eventsPerRequest = 50;
  const tenant = await prepareTagbridge(key, fake.url, 'postgres');
  try {
    const nodes = await Promise.all(
      Array.from({ length: processes }, (_, i) => startTagbridge(`${key}-${i + 1}`, tenant, 'api')),
    );
    const connections = Math.max(1, Math.floor(settings.connections / processes));
    const loads = (durationSec, tag) =>
      Promise.all(
        nodes.map((node, i) =>
          runLoad({
            url: `${node.url}/v1/events`,
            headers: tenant.headers,
            connections,
            durationSec,
            makeBody: bodyFactory(eventsPerRequest, `${tag}${i}-`),
          }),
        ),
      );
    let measured;
    try {
      if (settings.warmupSec > 0) {
        await loads(settings.warmupSec, `w${key}`);
        await sleep(500);
      }
      const pids = nodes.map((n) => n.server.pid);
      const samplers = pids.map((pid) => sampleProcess(pid));
      const contention = watchContention([...pids, ...(await dbPids(tenant))]);
      const runs = await loads(settings.durationSec, `m${key}`);
      const otherCpu = contention.stop(await dbPids(tenant));
      const mems = samplers.map((m) => m.stop());
      measured = { runs, mems, otherCpu };
    } finally {
      await Promise.all(nodes.map((n) => n.server.stop()));
    }
    const { runs, mems, otherCpu } = measured;
    const reqPerSec = runs.reduce((sum, r) => sum + r.reqPerSec, 0);
    const result = {
      name: key,
      label,
      database: 'postgres',
      role: 'api',
      processes,
      eventsPerRequest,
      connections: connections * processes,
      seconds: Math.max(...runs.map((r) => r.seconds)),
      requests2xx: runs.reduce((sum, r) => sum + r.requestsOk, 0),
      non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      socketErrors: runs.reduce((sum, r) => sum + r.errors, 0),
      reqPerSec,
      eventsPerSec: reqPerSec * eventsPerRequest,
      // The slower process's percentiles: a shop sees whichever node its request reached.
      latencyMs: {
        p50: Math.max(...runs.map((r) => r.latencyMs.p50)),
        p99: Math.max(...runs.map((r) => r.latencyMs.p99)),
      },
      peakRssBytes: Math.max(...mems.map((m) => m.peakRssBytes)),
      maxSampledRssBytes: Math.max(...mems.map((m) => m.maxSampledRssBytes)),
      serverCpuCores: runs.reduce((sum, r, i) => sum + mems[i].cpuCoresBetween(r.firstAt, r.lastAt), 0),
      generatorCpuCores: runs.reduce((sum, r) => sum + r.generatorCpu, 0),
      otherProcessesCpuCores: otherCpu,
    };
    logPhase(result);
    const store = await openStore(tenant.target);
    try {
      const check = { ok: true, errors: [] };
      for (const [i, run] of runs.entries()) {
        const part = await verifyIngest(store, {
          prefix: `m${key}${i}-`,
          eventsPerRequest,
          status: run.status,
        });
        if (!part.ok) check.errors.push(...part.errors.map((e) => `process ${i + 1}: ${e}`));
      }
      if (result.non2xx > 0 || result.socketErrors > 0)
        check.errors.push(`${result.non2xx} non-2xx answers, ${result.socketErrors} socket errors`);
      check.ok = check.errors.length === 0;
      result.correctness = check;
      log(
        `    check: ${check.ok ? 'OK' : 'FAILED'} — every 2xx event of each process stored exactly once` +
          (check.ok ? '' : `\n      ${check.errors.join('\n      ')}`),
      );
    } finally {
      await store.close();
    }
    return result;
  } finally {
    await releaseTagbridge(tenant);
  }
}

async function scaleDrainPhase(fake) {
  const key = 'pgDrain2x';
  const number = '(12)';
  const total = settings.drainEvents;
  log(
    `\n${number} delivery drain on PostgreSQL: ${fmt(total)} stored events → fake Meta, by two \`serve --role worker\` ` +
      `processes on CPU ${SERVER_CPU}`,
  );
  const tenant = await prepareTagbridge(key, fake.url, 'postgres');
  try {
    return await drainWith(tenant, fake, {
      key,
      number,
      dbLabel: 'PostgreSQL',
      total,
      perRequest: 50,
      workers: 2,
      label: `${number} PostgreSQL, drain, 2 workers`,
    });
  } finally {
    await releaseTagbridge(tenant);
  }
}

/**
 * Runs a phase again (from scratch: fresh server, fresh DATA_DIR) while other processes on the machine
 * disturbed it, and keeps the least disturbed attempt. A failed correctness check is never retried away.
 */
async function withRetries(phase) {
  let best = null;
  let tried = 0;
  for (let attempt = 0; attempt <= settings.retries; attempt += 1) {
    if (attempt > 0) {
      log(
        `    … retrying (attempt ${attempt + 1} of ${settings.retries + 1}) on a hopefully quieter machine`,
      );
    }
    const result = await phase();
    tried += 1;
    if (result.correctness && !result.correctness.ok) {
      result.attempts = tried;
      return result;
    }
    if (!best || (result.otherProcessesCpuCores ?? 0) < (best.otherProcessesCpuCores ?? 0)) best = result;
    if ((result.otherProcessesCpuCores ?? 0) <= CONTENTION_WARN_CORES) break;
  }
  best.attempts = tried;
  return best;
}

// ---------------------------------------------------------------------------------------------- fake

async function startFake() {
  const fake = spawnNode('fake meta', [join(root, 'bench/fake-meta.mjs')], {
    cpu: LOAD_CPU,
    env: { ...baseEnv(), BENCH_DIST: dist },
    ipc: true,
  });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('fake Meta did not start within 15 s')), 15_000);
    fake.child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message);
    });
    fake.exited.then(({ code }) => reject(new Error(`fake Meta exited (${code}) before it was ready`)));
  });
  let nextId = 0;
  const pending = new Map();
  fake.child.on('message', (message) => {
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  return {
    url: ready.url,
    proc: fake,
    call(cmd) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        fake.child.send({ id, cmd });
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------- main

function gitCommit() {
  const result = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', 'src'], { cwd: root, encoding: 'utf8' });
  return result.status === 0
    ? `${result.stdout.trim()}${dirty.stdout.trim() ? ' (src modified)' : ''}`
    : null;
}

function filesystemOf(path) {
  const result = spawnSync('df', ['-T', path], { encoding: 'utf8' });
  return result.status === 0 ? (result.stdout.trim().split('\n')[1]?.split(/\s+/)[1] ?? null) : null;
}

/** Which bare run each phase is compared with: the same body; the drain's RSS with the 1-event server. */
const CEILING_OF = {
  ingest1: 'baseline1',
  ingest50: 'baseline50',
  drain: 'baseline1',
  pgIngest1: 'baseline1',
  pgIngest50: 'baseline50',
  pgDrain: 'baseline1',
  pgScaleIngest1x: 'baseline50',
  pgScaleIngest2x: 'baseline50',
  pgDrain2x: 'baseline1',
};

/** Ratios to the bare ceiling of the same run, stored in each result (results.json) and printed. */
function addRatios(results) {
  for (const [key, base] of Object.entries(CEILING_OF)) {
    const r = results[key];
    const b = results[base];
    if (!r || !b) continue;
    const ratio = (x, y) => (x && y ? x / y : null);
    const isLoad = r.reqPerSec !== undefined;
    r.ratiosTo = {
      ceiling: base,
      reqPerSec: isLoad ? ratio(r.reqPerSec, b.reqPerSec) : null,
      eventsPerSec: isLoad ? ratio(r.eventsPerSec, b.eventsPerSec) : null,
      p99: isLoad ? ratio(r.latencyMs?.p99, b.latencyMs?.p99) : null,
      peakRss: ratio(r.peakRssBytes, b.peakRssBytes),
    };
  }
}

function printTable(results) {
  const order = [
    'baseline1',
    'baseline50',
    'ingest1',
    'ingest50',
    'drain',
    'pgIngest1',
    'pgIngest50',
    'pgDrain',
    'pgScaleIngest1x',
    'pgScaleIngest2x',
    'pgDrain2x',
  ];
  const times = (x) => (x === null || x === undefined ? '—' : `${fmt(x, 2)}×`);
  const rows = [];
  for (const key of order) {
    const r = results[key];
    if (!r) continue;
    rows.push([
      r.label,
      r.reqPerSec !== undefined ? fmt(r.reqPerSec) : '—',
      fmt(r.eventsPerSec),
      r.latencyMs ? fmt(r.latencyMs.p50, 1) : '—',
      r.latencyMs ? fmt(r.latencyMs.p99, 1) : '—',
      fmt(mb(r.peakRssBytes), 1),
      r.bytesPerEvent !== undefined ? fmt(r.bytesPerEvent) : '—',
      r.serverCpuCores !== undefined && r.serverCpuCores !== null ? `${fmt(r.serverCpuCores * 100)} %` : '—',
      r.serverCpuMicrosPerEvent !== undefined && r.serverCpuMicrosPerEvent !== null
        ? `${fmt(r.serverCpuMicrosPerEvent)} (${fmt(r.serverMainThreadCpuMicrosPerEvent)})`
        : '—',
      r.ratiosTo ? { baseline1: '(1a)', baseline50: '(1b)' }[r.ratiosTo.ceiling] : '—',
      times(r.ratiosTo?.reqPerSec),
      times(r.ratiosTo?.eventsPerSec),
      times(r.ratiosTo?.p99),
      times(r.ratiosTo?.peakRss),
    ]);
  }
  const header = [
    'phase',
    'req/s',
    'events/s',
    'p50 ms',
    'p99 ms',
    'peak RSS MB',
    'bytes/event',
    'server CPU',
    'CPU µs/event (main)',
    'vs',
    'req/s ratio',
    'events/s ratio',
    'p99 ratio',
    'RSS ratio',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  log('');
  log(line(header));
  log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const row of rows) log(line(row));
  log(
    'Ratios are to the bare ceiling of this run with the same body ("vs"); the drain’s RSS is compared with (1a).',
  );
  log(
    'CPU µs/event: the server process’s CPU time per event, and in brackets its main thread’s. Other processes taking ' +
      'turns on the core move it less than events/s; a slower host (a busy neighbour, a lower clock) raises it for ' +
      'every phase alike, so compare builds by its ratio to the bare ceiling’s of the same run.',
  );
  log(
    `bytes/event: database on disk ÷ events stored, after (2)/(3)/(5)/(6) (role ${settings.ingestRole}) and with the ` +
      'backlog of (4)/(7) queued; SQLite db + WAL, PostgreSQL pg_total_relation_size of the run’s tables.',
  );
  log(
    'server CPU: share of its core the server used; well below 100 % means it waited (fsync, timers), not computed.',
  );
  if (results.pgIngest1 || results.pgIngest50 || results.pgDrain) {
    log(
      'PostgreSQL’s own processes are not pinned: they share both cores with the server and the load generator.',
    );
  }
  const disturbed = Object.values(results).filter(
    (r) => (r.otherProcessesCpuCores ?? 0) > CONTENTION_WARN_CORES,
  );
  if (disturbed.length) {
    log(
      `!! other processes were busy during: ${disturbed.map((r) => r.label).join(', ')} — rerun on a quiet machine.`,
    );
  }
}

function evaluateTargets(results) {
  const targets = [];
  const add = (name, pass, detail) => targets.push({ name, pass, detail });
  const { baseline1, ingest1, ingest50, drain, pgIngest50, pgDrain } = results;
  if (ingest1 && baseline1) {
    const ratio = ingest1.reqPerSec / baseline1.reqPerSec;
    add(
      `(2) req/s ≥ ${fmt(TARGETS.ingest1RatioMin * 100)} % of (1a)`,
      ratio >= TARGETS.ingest1RatioMin,
      `${fmt(ratio * 100, 1)} % (${fmt(ingest1.reqPerSec)} of ${fmt(baseline1.reqPerSec)})`,
    );
  }
  if (ingest1) {
    add(
      `(2) p99 ≤ ${TARGETS.ingest1P99MaxMs} ms at ${settings.connections} connections`,
      ingest1.latencyMs.p99 !== null && ingest1.latencyMs.p99 <= TARGETS.ingest1P99MaxMs,
      `${fmt(ingest1.latencyMs.p99, 1)} ms`,
    );
  }
  const eventsTarget = (r, min) =>
    r &&
    add(
      `${r.label.split(' ')[0]} ≥ ${fmt(min)} durable events/s`,
      r.eventsPerSec >= min,
      `${fmt(r.eventsPerSec)} events/s`,
    );
  eventsTarget(ingest50, TARGETS.ingest50EventsMin);
  eventsTarget(pgIngest50, TARGETS.pgIngest50EventsMin);
  const drainTarget = (r, min) =>
    r &&
    add(
      `${r.label.split(' ')[0]} drain ≥ ${fmt(min)} events/s`,
      r.eventsPerSec >= min,
      `${fmt(r.eventsPerSec)} events/s`,
    );
  drainTarget(drain, TARGETS.drainEventsMin);
  drainTarget(pgDrain, TARGETS.pgDrainEventsMin);
  // With --role all the phase lasts until the worker has caught up, so its peak counts too.
  for (const key of ['ingest1', 'ingest50', 'drain', 'pgIngest1', 'pgIngest50', 'pgDrain']) {
    const r = results[key];
    if (!r) continue;
    const peak = Math.max(r.peakRssBytes, r.delivery?.peakRssWithCatchUpBytes ?? 0);
    add(
      `${r.label.split(' ')[0]} peak RSS ≤ ${fmt(mb(TARGETS.rssMaxBytes))} MB`,
      peak <= TARGETS.rssMaxBytes,
      r.delivery
        ? `${fmt(mb(r.peakRssBytes), 1)} MB under load, ${fmt(mb(r.delivery.peakRssWithCatchUpBytes), 1)} MB with the delivery catch-up`
        : `${fmt(mb(r.peakRssBytes), 1)} MB`,
    );
  }
  // Issue 11: generating a 100,000-product feed stays under 150 MB.
  if (results.feedGeneration) {
    const r = results.feedGeneration;
    add(
      `(8) feed generation peak RSS ≤ ${fmt(mb(TARGETS.feedRssMaxBytes))} MB`,
      r.peakRssBytes <= TARGETS.feedRssMaxBytes,
      `${fmt(mb(r.peakRssBytes), 1)} MB (${fmt(r.products)} products in ${fmt(r.seconds, 2)} s)`,
    );
  }
  // The issue's disk target was set on SQLite; PostgreSQL's bytes/event are printed in the table only.
  for (const key of ['ingest1', 'ingest50', 'drain']) {
    const r = results[key];
    if (!r || r.bytesPerEvent === undefined || r.bytesPerEvent === null) continue;
    add(
      `${r.label.split(' ')[0]} disk ≤ ${TARGETS.bytesPerEventMax} bytes/event`,
      r.bytesPerEvent <= TARGETS.bytesPerEventMax,
      `${fmt(r.bytesPerEvent)} bytes/event`,
    );
  }
  return targets;
}

async function main() {
  if (process.platform !== 'linux') fail('the bench reads /proc and pins CPUs: it runs on Linux only');
  const cores = cpus().length;
  const pinned = canPin() && cores >= 2;
  if (canPin() && cores < 2) log('!! WARNING: fewer than 2 CPUs: running unpinned.');
  if (pinned) pinSelf(LOAD_CPU);

  if (process.env.BENCH_SKIP_BUILD !== '1' && !process.env.BENCH_DIST) {
    log('building (npm run build)…');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) {
      fail(
        `npm run build failed:\n${build.stdout}${build.stderr}\n` +
          '(BENCH_SKIP_BUILD=1 uses dist/ as it is; BENCH_DIST=path another compiled tree)',
      );
    }
  }
  if (!existsSync(cliMain)) fail(`${cliMain} does not exist: build first (npm run build)`);

  const environment = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? null,
    cores,
    pinned: pinned ? { server: SERVER_CPU, loadGeneratorAndFake: LOAD_CPU } : false,
    tmpdir: tmpdir(),
    tmpFilesystem: filesystemOf(tmpdir()),
    // With BENCH_DIST the build is not the working tree: HEAD says nothing about it unless told.
    commit: process.env.BENCH_DIST ? (process.env.BENCH_BUILD_COMMIT ?? 'unknown (BENCH_DIST)') : gitCommit(),
    build: dist,
    autocannon: JSON.parse(readFileSync(join(root, 'node_modules/autocannon/package.json'), 'utf8')).version,
    settings: { ...settings, cpuProf: settings.cpuProf || undefined },
  };
  log(
    `Tagbridge bench — node ${environment.node}, ${cores} × ${environment.cpu}, ` +
      `${pinned ? `server on CPU ${SERVER_CPU}, load generator + fake on CPU ${LOAD_CPU}` : 'UNPINNED'}, ` +
      `DATA_DIR on ${environment.tmpFilesystem ?? '?'} (${environment.tmpdir}), ${settings.durationSec} s per phase` +
      (Object.keys(settings.serverEnv).length
        ? `, server env overrides ${JSON.stringify(settings.serverEnv)}`
        : ''),
  );

  if (settings.databases.includes('postgres')) {
    const pgInfo = await pgServerVersion();
    if (!pgInfo.version) fail(`PostgreSQL at ${pgAdminUrl} is not reachable: ${pgInfo.error}`);
    environment.postgres = { url: pgAdminUrl, version: pgInfo.version };
    log(`PostgreSQL ${pgInfo.version} at ${pgAdminUrl}: a fresh database per phase, dropped afterwards`);
  }

  const fake = await startFake();
  fakeProcess = fake.proc;
  const results = {};
  const want = (phase) => settings.phases.includes(phase);
  if (want('baseline')) {
    results.baseline1 = await withRetries(() => baselinePhase(1));
    results.baseline50 = await withRetries(() => baselinePhase(50));
  }
  for (const dialect of ['sqlite', 'postgres']) {
    if (!settings.databases.includes(dialect)) continue;
    const key = (kind) => phaseId(kind, dialect).key;
    if (want('ingest1')) results[key('ingest1')] = await withRetries(() => ingestPhase(1, fake, dialect));
    if (want('ingest50')) results[key('ingest50')] = await withRetries(() => ingestPhase(50, fake, dialect));
    if (want('drain')) results[key('drain')] = await withRetries(() => drainPhase(fake, dialect));
  }
  if (want('scale')) {
    if (settings.databases.includes('postgres')) {
      results.pgScaleIngest1x = await withRetries(() => scaleIngestPhase(fake, 1));
      results.pgScaleIngest2x = await withRetries(() => scaleIngestPhase(fake, 2));
      results.pgDrain2x = await withRetries(() => scaleDrainPhase(fake));
    } else {
      log('\n(10)–(12) scale-out phases: PostgreSQL only (run with --postgres)');
    }
  }
  if (want('feeds')) {
    Object.assign(
      results,
      await feedsPhase({
        root,
        dist,
        cliMain,
        cli,
        baseEnv,
        freePort,
        settings,
        log,
        tempDirs,
        serverCpu: SERVER_CPU,
        contentionWarn: CONTENTION_WARN_CORES,
      }),
    );
  }
  const fakeMem = memoryOf(fake.proc.pid);
  await fake.proc.stop();

  addRatios(results);
  printTable(results);
  const targets = evaluateTargets(results);
  log('\nTargets');
  for (const t of targets) log(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name.padEnd(42)} ${t.detail}`);
  const checks = Object.values(results).filter((r) => r.correctness);
  log('\nCorrectness');
  for (const r of checks) {
    log(
      `  ${r.correctness.ok ? 'PASS' : 'FAIL'}  ${r.label}${r.correctness.ok ? '' : `: ${r.correctness.errors.join('; ')}`}`,
    );
  }
  const generatorBound = Object.values(results).filter((r) => (r.generatorCpuCores ?? 0) > 0.9);
  if (generatorBound.length) {
    log(
      `\n!! The load generator used > 90 % of its core in: ${generatorBound.map((r) => r.label).join(', ')} — ` +
        'those figures may be the generator’s limit, not the server’s.',
    );
  }

  const outFile = join(root, 'bench', 'results.json');
  // A run of some phases keeps the figures of the others from the previous file (each result is dated or
  // described by `mergedFrom`), so `BENCH_PHASES=feeds` does not erase the ingest figures.
  let merged = { results, targets, fakePeakRssBytes: fakeMem?.hwm ?? null };
  if (existsSync(outFile)) {
    try {
      const previous = JSON.parse(readFileSync(outFile, 'utf8'));
      const kept = Object.fromEntries(
        Object.entries(previous.results ?? {}).filter(([key]) => !(key in results)),
      );
      if (Object.keys(kept).length > 0) {
        const names = new Set(targets.map((t) => t.name));
        merged = {
          results: { ...kept, ...results },
          targets: [...(previous.targets ?? []).filter((t) => !names.has(t.name)), ...targets],
          fakePeakRssBytes: merged.fakePeakRssBytes,
          mergedFrom: {
            keys: Object.keys(kept),
            environment: previous.mergedFrom?.environment ?? previous.environment,
          },
        };
      }
    } catch {
      // An unreadable previous file is replaced.
    }
  }
  writeFileSync(outFile, `${JSON.stringify({ environment, ...merged }, null, 2)}\n`);
  log(`\nwrote ${outFile}`);

  const correctnessOk = checks.every((r) => r.correctness.ok);
  const targetsOk = targets.every((t) => t.pass);
  process.exitCode = !correctnessOk || (settings.strict && !targetsOk) ? 1 : 0;
}

await main();
