#!/usr/bin/env node
/**
 * `npm run bench`: ingest and delivery throughput of the compiled service (issue 2, "Benchmark").
 *
 *   (1) ceiling: a bare node:http server that JSON.parses the same bodies (1 and 50 events per request)
 *   (2) POST /v1/events, 1 event per request, 50 connections
 *   (3) POST /v1/events, 50 events per request
 *   (4) delivery drain: 100,000 queued events delivered by `serve --role worker` to a fake Meta
 *
 * Servers run pinned to CPU 0, this process (autocannon) and the fake platform to CPU 1. Every Tagbridge
 * run gets a fresh DATA_DIR with embedded SQLite at its defaults (synchronous=FULL: a 2xx means
 * committed), an enterprise org, one domain and one enabled meta destination. Correctness is checked
 * inside the run: rows stored = events answered 2xx, and every queued event delivered once.
 *
 * Environment (all optional):
 *   BENCH_DURATION=10        seconds per measured load phase
 *   BENCH_WARMUP=2           seconds of warm-up before each (JIT, connection pools, SQLite cache)
 *   BENCH_CONNECTIONS=50
 *   BENCH_DRAIN_EVENTS=100000
 *   BENCH_DRAIN_TIMEOUT=300  seconds before the drain phase gives up
 *   BENCH_PHASES=baseline,ingest1,ingest50,drain   run a subset
 *   BENCH_INGEST_ROLE=api    role of the server in (2)/(3); `all` also runs the worker on the same core
 *   BENCH_SERVER_ENV='{"GROUP_COMMIT_MAX_WAIT_MS":"1"}'   extra server env (experiments; printed)
 *   BENCH_CPU_PROF=1         write V8 CPU profiles of the servers to .bench/profiles/
 *   BENCH_SKIP_BUILD=1       use the build as it is (default: npm run build first)
 *   BENCH_DIST=path          a compiled tree other than dist/ (e.g. a snapshot of another commit);
 *                            implies BENCH_SKIP_BUILD; BENCH_BUILD_COMMIT=sha records what it was built from
 *   BENCH_KEEP=1             keep the temp DATA_DIRs
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
import { runLoad } from '../bench/load.mjs';
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
import { deliveryCounts, lastOutcomeAt, openReadOnly, verifyIngest } from '../bench/verify.mjs';

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

const settings = {
  durationSec: envNumber('BENCH_DURATION', 10),
  warmupSec: envNumber('BENCH_WARMUP', 2),
  connections: envNumber('BENCH_CONNECTIONS', 50),
  drainEvents: envNumber('BENCH_DRAIN_EVENTS', 100_000),
  drainTimeoutSec: envNumber('BENCH_DRAIN_TIMEOUT', 300),
  phases: (process.env.BENCH_PHASES || 'baseline,ingest1,ingest50,drain').split(',').map((s) => s.trim()),
  ingestRole: process.env.BENCH_INGEST_ROLE || 'api',
  serverEnv: process.env.BENCH_SERVER_ENV ? JSON.parse(process.env.BENCH_SERVER_ENV) : {},
  cpuProf: process.env.BENCH_CPU_PROF === '1',
  keep: process.env.BENCH_KEEP === '1',
  strict: process.env.BENCH_STRICT === '1',
  retries: process.env.BENCH_RETRIES === '0' ? 0 : envNumber('BENCH_RETRIES', 2),
};
for (const phase of settings.phases) {
  if (!['baseline', 'ingest1', 'ingest50', 'drain'].includes(phase)) fail(`unknown phase "${phase}"`);
}
if (!['api', 'all'].includes(settings.ingestRole)) fail('BENCH_INGEST_ROLE must be api or all');

// Loopback networking's kernel time shows up as "other" too; beyond this, something else was running.
const CONTENTION_WARN_CORES = 0.15;
/** The fake platform's pid, once started (its CPU is ours, not contention). */
let fakeProcess = null;

const TARGETS = {
  ingest1RatioMin: 0.4,
  ingest1P99MaxMs: 25,
  ingest50EventsMin: 60_000,
  ingest50EventsStretch: 100_000,
  drainEventsMin: 20_000,
  rssMaxBytes: 200 * 1024 * 1024,
};

// ---------------------------------------------------------------------------------------------- cleanup

const tempDirs = [];
function cleanup() {
  killAll();
  if (!settings.keep) for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
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
  const dir = join(root, '.bench', 'profiles');
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${name}.cpuprofile`];
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

/** A fresh DATA_DIR with an enterprise org, one domain and a meta destination on the fake, via the CLI. */
async function prepareTagbridge(name, fakeUrl) {
  const dataDir = mkdtempSync(join(tmpdir(), `tagbridge-bench-${name}-`));
  tempDirs.push(dataDir);
  const env = {
    ...baseEnv(),
    DATA_DIR: dataDir,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PROXY_RATE_LIMIT_PER_MINUTE: '0',
    META_GRAPH_URL: fakeUrl,
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
    dbFile: join(dataDir, 'tagbridge.db'),
    headers: {
      host: HOST_HEADER,
      'content-type': 'application/json',
      'x-ssp-token': domain.proxyToken,
    },
  };
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
async function measure({ server, url, headers, eventsPerRequest, tag }) {
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
  const contention = watchContention([server.pid, ...(fakePid ? [fakePid] : [])]);
  const load = await runLoad({
    url,
    headers,
    connections: settings.connections,
    durationSec: settings.durationSec,
    makeBody: bodyFactory(eventsPerRequest, prefix),
  });
  const otherCpu = contention.stop();
  const mem = sampler.stop();
  return { load, mem, serverCpu: mem.cpuCoresBetween(load.firstAt, load.lastAt), otherCpu, prefix };
}

function summarize(name, label, eventsPerRequest, measured) {
  const { load, mem, serverCpu, otherCpu } = measured;
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
    eventsPerSec: load.reqPerSec * eventsPerRequest,
    latencyMs: load.latencyMs,
    peakRssBytes: mem.peakRssBytes,
    maxSampledRssBytes: mem.maxSampledRssBytes,
    serverCpuCores: serverCpu,
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
    const result = summarize(name, `(1) node:http, ${eventsPerRequest} ev/req`, eventsPerRequest, measured);
    logPhase(result);
    return result;
  } finally {
    await server.stop();
  }
}

async function ingestPhase(eventsPerRequest, fake) {
  const name = `ingest${eventsPerRequest}`;
  const number = eventsPerRequest === 1 ? '(2)' : '(3)';
  log(
    `\n${number} Tagbridge POST /v1/events, ${eventsPerRequest} event(s)/request, role ${settings.ingestRole}`,
  );
  const tenant = await prepareTagbridge(name, fake.url);
  const { server, url } = await startTagbridge(name, tenant, settings.ingestRole);
  let measured;
  try {
    measured = await measure({
      server,
      url: `${url}/v1/events`,
      headers: tenant.headers,
      eventsPerRequest,
      tag: `i${eventsPerRequest}`,
    });
  } finally {
    // Graceful stop: the group commit flushes what the cut-off requests handed it before the check.
    const exit = await server.stop();
    if (exit.code !== 0 && exit.code !== null) log(`    (server exited with code ${exit.code})`);
  }
  const result = summarize(
    name,
    `${number} /v1/events, ${eventsPerRequest} ev/req`,
    eventsPerRequest,
    measured,
  );
  logPhase(result);
  const check = verifyIngest(tenant.dbFile, {
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
  result.correctness = check;
  log(
    `    check: ${check.ok ? 'OK' : 'FAILED'} — ${fmt(check.eventRows)} event rows, ${fmt(check.okEvents)} events answered 2xx, ` +
      `${check.cutOffRequests} requests cut off at the end (${check.cutOffRequestsStored} of them stored whole)` +
      (check.ok ? '' : `\n      ${check.errors.join('\n      ')}`),
  );
  return result;
}

/**
 * Polls until every queued delivery has an outcome. The fake is asked first (cheap, over IPC); the
 * database only once the fake has everything, since counting is a scan of the queue.
 */
async function waitForDrain(dbFile, fake, queued, readyAt) {
  const db = openReadOnly(dbFile);
  const deadline = readyAt + settings.drainTimeoutSec * 1000;
  try {
    for (;;) {
      await sleep(100);
      const stats = await fake.call('stats');
      if (stats.unique >= queued) {
        const counts = deliveryCounts(db);
        const done =
          (counts.delivered ?? 0) + (counts.failed ?? 0) + (counts.dead ?? 0) + (counts.skipped ?? 0);
        if (done >= queued) return { counts, lastAt: lastOutcomeAt(db) };
      }
      if (Date.now() > deadline) {
        throw new Error(
          `drain did not finish within ${settings.drainTimeoutSec} s: the fake has ${stats.unique} distinct events, ` +
            `deliveries ${JSON.stringify(deliveryCounts(db))}`,
        );
      }
    }
  } finally {
    db.close();
  }
}

async function drainPhase(fake) {
  const total = settings.drainEvents;
  const perRequest = 50;
  log(`\n(4) delivery drain: ${fmt(total)} queued events → fake Meta (own process, CPU ${LOAD_CPU})`);
  const tenant = await prepareTagbridge('drain', fake.url);

  // Queue the events through the API (not measured); role api so nothing is delivered yet.
  const api = await startTagbridge('drain-fill', tenant, 'api');
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
  {
    const db = openReadOnly(tenant.dbFile);
    const counts = deliveryCounts(db);
    db.close();
    if (counts.pending !== queued)
      throw new Error(`expected ${queued} pending deliveries, found ${JSON.stringify(counts)}`);
  }

  await fake.call('reset');
  const started = Date.now();
  const { server, readyAt } = await startTagbridge('drain', tenant, 'worker');
  const cpuAtReady = cpuSecondsOf(server.pid);
  const memory = sampleProcess(server.pid);
  const contention = watchContention([server.pid, fake.proc.pid]);
  let outcome;
  try {
    outcome = await waitForDrain(tenant.dbFile, fake, queued, readyAt);
  } finally {
    outcome ??= {};
    outcome.otherCpu = contention.stop();
    outcome.mem = memory.stop();
    outcome.serverCpuSeconds = cpuSecondsOf(server.pid) - cpuAtReady;
    await server.stop();
  }
  const { counts, lastAt, mem } = outcome;
  const stats = await fake.call('stats');
  const seconds = (lastAt - readyAt) / 1000;
  const result = {
    name: 'drain',
    label: '(4) drain to fake Meta',
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
    otherProcessesCpuCores: outcome.otherCpu,
  };
  const errors = [];
  if ((counts.delivered ?? 0) !== queued)
    errors.push(`deliveries not all delivered: ${JSON.stringify(counts)}`);
  if (stats.unique !== queued)
    errors.push(`fake received ${stats.unique} distinct events, expected ${queued}`);
  if (stats.non200 > 0)
    errors.push(`fake answered ${stats.non200} requests non-200: ${JSON.stringify(stats.errors)}`);
  result.correctness = { ok: errors.length === 0, errors };
  log(
    `    ${fmt(result.eventsPerSec)} events/s (${fmt(seconds, 2)} s from worker ready to last outcome; ` +
      `${fmt(result.secondsFromProcessStart, 2)} s from process start), ${stats.requests} requests to the fake, ` +
      `peak RSS ${fmt(mb(result.peakRssBytes), 1)} MB, server CPU ${fmt(result.serverCpuCores * 100)} %`,
  );
  if ((result.otherProcessesCpuCores ?? 0) > CONTENTION_WARN_CORES) {
    log(
      `    !! other processes used ${fmt(result.otherProcessesCpuCores * 100)} % of a core meanwhile: this phase was disturbed`,
    );
  }
  log(
    `    check: ${errors.length === 0 ? 'OK' : 'FAILED'} — ${fmt(counts.delivered ?? 0)} delivered, fake got ${fmt(stats.events)} events ` +
      `(${fmt(stats.unique)} distinct)${errors.length ? `\n      ${errors.join('\n      ')}` : ''}`,
  );
  return result;
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

function printTable(results) {
  const base1 = results.baseline1;
  const base50 = results.baseline50;
  const rows = [];
  const ratio = (a, b) => (a && b ? `${fmt(a / b, 2)}×` : '—');
  const push = (r, base) => {
    if (!r) return;
    rows.push([
      r.label,
      r.reqPerSec !== undefined ? fmt(r.reqPerSec) : '—',
      fmt(r.eventsPerSec),
      r.latencyMs ? fmt(r.latencyMs.p50, 1) : '—',
      r.latencyMs ? fmt(r.latencyMs.p99, 1) : '—',
      fmt(mb(r.peakRssBytes), 1),
      r.serverCpuCores !== undefined && r.serverCpuCores !== null ? `${fmt(r.serverCpuCores * 100)} %` : '—',
      base && r !== base ? ratio(r.reqPerSec, base.reqPerSec) : '—',
      base && r !== base && r.latencyMs ? ratio(r.latencyMs.p99, base.latencyMs.p99) : '—',
      base && r !== base ? ratio(r.peakRssBytes, base.peakRssBytes) : '—',
    ]);
  };
  push(base1, base1);
  push(base50, base50);
  push(results.ingest1, base1);
  push(results.ingest50, base50);
  push(results.drain, null);
  const header = [
    'phase',
    'req/s',
    'events/s',
    'p50 ms',
    'p99 ms',
    'peak RSS MB',
    'server CPU',
    'req/s ÷(1)',
    'p99 ÷(1)',
    'RSS ÷(1)',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  log('');
  log(line(header));
  log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const row of rows) log(line(row));
  log('(2) is compared with (1a) — same 1-event body — and (3) with (1b), the same 50-event body.');
  log(
    'server CPU: share of its core the server used; well below 100 % means it waited (fsync, timers), not computed.',
  );
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
  const { baseline1, ingest1, ingest50, drain } = results;
  if (ingest1 && baseline1) {
    const ratio = ingest1.reqPerSec / baseline1.reqPerSec;
    add(
      '(2) req/s ≥ 40 % of (1)',
      ratio >= TARGETS.ingest1RatioMin,
      `${fmt(ratio * 100, 1)} % (${fmt(ingest1.reqPerSec)} of ${fmt(baseline1.reqPerSec)})`,
    );
  }
  if (ingest1) {
    add(
      `(2) p99 ≤ ${TARGETS.ingest1P99MaxMs} ms at ${settings.connections} connections`,
      ingest1.latencyMs.p99 <= TARGETS.ingest1P99MaxMs,
      `${fmt(ingest1.latencyMs.p99, 1)} ms`,
    );
  }
  if (ingest50) {
    add(
      '(3) ≥ 60,000 durable events/s',
      ingest50.eventsPerSec >= TARGETS.ingest50EventsMin,
      `${fmt(ingest50.eventsPerSec)} events/s`,
    );
    add(
      '(3) stretch ≥ 100,000 events/s',
      ingest50.eventsPerSec >= TARGETS.ingest50EventsStretch,
      `${fmt(ingest50.eventsPerSec)} events/s`,
    );
  }
  if (drain) {
    add(
      '(4) drain ≥ 20,000 events/s',
      drain.eventsPerSec >= TARGETS.drainEventsMin,
      `${fmt(drain.eventsPerSec)} events/s`,
    );
  }
  for (const r of [ingest1, ingest50, drain]) {
    if (!r) continue;
    add(
      `${r.label.split(' ')[0]} peak RSS ≤ 200 MB`,
      r.peakRssBytes <= TARGETS.rssMaxBytes,
      `${fmt(mb(r.peakRssBytes), 1)} MB`,
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

  const fake = await startFake();
  fakeProcess = fake.proc;
  const results = {};
  const want = (phase) => settings.phases.includes(phase);
  if (want('baseline')) {
    results.baseline1 = await withRetries(() => baselinePhase(1));
    results.baseline50 = await withRetries(() => baselinePhase(50));
  }
  if (want('ingest1')) results.ingest1 = await withRetries(() => ingestPhase(1, fake));
  if (want('ingest50')) results.ingest50 = await withRetries(() => ingestPhase(50, fake));
  if (want('drain')) results.drain = await withRetries(() => drainPhase(fake));
  const fakeMem = memoryOf(fake.proc.pid);
  await fake.proc.stop();

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
  writeFileSync(
    outFile,
    `${JSON.stringify({ environment, targets, results, fakePeakRssBytes: fakeMem?.hwm ?? null }, null, 2)}\n`,
  );
  log(`\nwrote ${outFile}`);

  const correctnessOk = checks.every((r) => r.correctness.ok);
  const targetsOk = targets.every((t) => t.pass);
  process.exitCode = !correctnessOk || (settings.strict && !targetsOk) ? 1 : 0;
}

await main();
