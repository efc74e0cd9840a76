/**
 * One retention pass over a bench phase's database as if EVENT_RETENTION_DAYS (+1) had passed since its
 * events arrived: the disk an event costs once retention has taken it (issue 14, "disk per event before and
 * after retention"). Runs the service's own pass (dist/retention/run.js, what `retention run` and the worker
 * run) with a clock moved forward, in its own process with the phase's environment; prints the report as
 * one JSON line. A clock is injected rather than rows backdated, so what is measured is the service's code
 * on the data the phase wrote, unchanged.
 */
import { join, resolve } from 'node:path';

const dist = resolve(process.env.BENCH_DIST_DIR);
const { loadConfig } = await import(join(dist, 'config.js'));
const { openStorage } = await import(join(dist, 'storage/db.js'));
const { runRetention } = await import(join(dist, 'retention/run.js'));

const config = loadConfig(process.env);
const shiftMs = config.retention.eventMs + 24 * 3600_000;
const storage = await openStorage({
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  sqliteSynchronous: config.sqliteSynchronous,
  ...(config.databaseSchema ? { pgSchema: config.databaseSchema } : {}),
});
try {
  const report = await runRetention(
    { storage, config, clock: { now: () => Date.now() + shiftMs } },
    { pause: () => Promise.resolve() },
  );
  process.stdout.write(`${JSON.stringify({ shiftedDays: shiftMs / 86_400_000, ...report })}\n`);
} finally {
  await storage.close();
}
