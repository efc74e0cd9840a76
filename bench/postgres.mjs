/**
 * PostgreSQL for `npm run bench -- --postgres`: every phase gets a database of its own on the server of
 * BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres, trust auth), dropped when the phase
 * is done, so its size is the phase's data and nothing is left behind. Other sessions' test schemas live
 * in other databases and are never touched.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const adminUrl = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const PREFIX = 'tagbridge_bench_';
/** Databases created and not dropped yet (dropped synchronously if the bench dies). */
const created = new Set();

function urlOf(name) {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin(fn) {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The server's version, or null with the reason when it cannot be reached. */
export async function serverVersion() {
  try {
    return {
      version: await withAdmin(async (c) => (await c.query('show server_version')).rows[0].server_version),
    };
  } catch (error) {
    return { version: null, error: error.message };
  }
}

/** A fresh, empty database for one phase: `{ name, url }`. */
export async function createDatabase(tag) {
  const name = `${PREFIX}${tag}_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`create database ${name}`));
  created.add(name);
  return { name, url: urlOf(name) };
}

export async function dropDatabase(name) {
  await withAdmin((c) => c.query(`drop database if exists ${name} with (force)`));
  created.delete(name);
}

/**
 * Pids of the PostgreSQL processes working for `name`: its backends (the server's pool) and the shared
 * background processes (WAL writer, checkpointer…), whose CPU is the run's too, not contention.
 */
export async function backendPids(name) {
  try {
    return await withAdmin(async (c) => {
      const { rows } = await c.query(
        'select pid from pg_stat_activity where (datname = $1 or datname is null) and pid <> pg_backend_pid()',
        [name],
      );
      return rows.map((row) => row.pid);
    });
  } catch {
    return [];
  }
}

/** For the exit path (synchronous): drops what is left, from a short-lived child process. */
export function dropLeftoversSync() {
  if (created.size === 0) return;
  const script = `
    import pg from 'pg';
    const client = new pg.Client({ connectionString: process.env.ADMIN_URL });
    await client.connect();
    for (const name of JSON.parse(process.env.NAMES)) await client.query('drop database if exists ' + name + ' with (force)');
    await client.end();`;
  spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { ...process.env, ADMIN_URL: adminUrl, NAMES: JSON.stringify([...created]) },
    stdio: 'ignore',
    timeout: 15_000,
  });
  created.clear();
}
