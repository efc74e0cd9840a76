/**
 * One retention pass over a bench phase's database as if EVENT_RETENTION_DAYS (+1) had passed since its
 * events arrived: the disk an event costs once retention has taken it (issue 14, "disk per event before and
 * after retention"). Runs the service's own pass (dist/retention/run.js, what `retention run` and the worker
 * run) on the CLI's own dependencies (withOperatorDeps) with a clock moved forward, in its own process with
 * the phase's environment; prints the report as one JSON line. A clock is injected rather than rows
 * backdated, so what is measured is the service's code on the data the phase wrote, unchanged.
 */
import { join, resolve } from 'node:path';

const dist = resolve(process.env.BENCH_DIST_DIR);
const { loadConfig } = await import(join(dist, 'config.js'));
const { withOperatorDeps } = await import(join(dist, 'cli/context.js'));
const { runRetention } = await import(join(dist, 'retention/run.js'));

const config = loadConfig(process.env);
const shiftMs = config.retention.eventMs + 24 * 3600_000;
const report = await withOperatorDeps(config, (deps) =>
  runRetention({ ...deps, clock: { now: () => Date.now() + shiftMs } }, { pause: () => Promise.resolve() }),
);
process.stdout.write(`${JSON.stringify({ shiftedDays: shiftMs / 86_400_000, ...report })}\n`);
