#!/usr/bin/env node
/**
 * The test command (npm test). Unit tests beside the code run once; integration tests in test/ run on every
 * database dialect: SQLite always, PostgreSQL when reachable. With REQUIRE_SERVICES=1 (CI) a missing
 * PostgreSQL or Redis is a failure, not a skip.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const required = process.env.REQUIRE_SERVICES === '1';
const pgUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const filter = process.argv.slice(2);

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    // Fixture folders hold inputs that tests copy elsewhere (a destination's own tests among them).
    if (name === 'fixtures') continue;
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out.sort();
}

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

const selected = (files) => (filter.length ? files.filter((f) => filter.some((p) => f.includes(p))) : files);
const unit = selected(find(join(root, 'src')));
const integration = selected(find(join(root, 'test')));

const hasPg = await reachable(pgUrl);
const hasRedis = await reachable(redisUrl);
const missing = [!hasPg && `PostgreSQL (${pgUrl})`, !hasRedis && `Redis (${redisUrl})`].filter(Boolean);
if (missing.length && required) {
  console.error(`REQUIRE_SERVICES=1 but not reachable: ${missing.join(', ')}`);
  process.exit(1);
}
for (const m of missing)
  console.warn(`# ${m} is not reachable: its tests are skipped (set REQUIRE_SERVICES=1 to fail instead)`);

function run(label, files, env) {
  if (files.length === 0) return 0;
  console.log(`\n# ${label}: ${files.length} files`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', ...files],
    { stdio: 'inherit', env: { ...process.env, ...env }, cwd: root },
  );
  return result.status ?? 1;
}

const common = { TEST_REDIS_URL: hasRedis ? redisUrl : '', TEST_DATABASE_URL: pgUrl };
let failed = 0;
failed += run('unit tests', unit, { ...common, TEST_DATABASE: 'sqlite' }) !== 0 ? 1 : 0;
failed +=
  run('integration tests on SQLite', integration, { ...common, TEST_DATABASE: 'sqlite' }) !== 0 ? 1 : 0;
if (hasPg)
  failed +=
    run('integration tests on PostgreSQL', integration, { ...common, TEST_DATABASE: 'postgres' }) !== 0
      ? 1
      : 0;
process.exit(failed ? 1 : 0);
