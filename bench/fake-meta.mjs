/**
 * The fake Meta Conversions API in its own process (pinned with the load generator), answering at once.
 * Spawned with an IPC channel: the bench asks it for counts instead of the fake's in-memory arrays
 * growing for the whole run.
 *
 * The fake keeps every request and accepted event in memory (tests inspect them); here they are tallied
 * and cleared every 50 ms, so a run of hundreds of thousands of events stays small. Tallying and
 * clearing happen in one synchronous step on the fake's own thread, so nothing is counted twice or lost.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { idHash } from './bodies.mjs';

// The same compiled tree as the servers under test (BENCH_DIST), dist/ by default.
const dist = process.env.BENCH_DIST || new URL('../dist', import.meta.url).pathname;
const { startFakeMeta } = await import(pathToFileURL(join(dist, 'dev/fakes/index.js')).href);

const fake = await startFakeMeta({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });

let totals = fresh();
function fresh() {
  return {
    requests: 0,
    events: 0,
    /** Requests answered other than 200 (validation failures would show here). */
    non200: 0,
    firstAt: null,
    lastAt: null,
    ids: new Set(),
    /** Sum mod 2^32 of idHash over the distinct ids (compared with the stored ids by the checks). */
    idSum: 0,
    errors: [],
  };
}

function tally() {
  for (const request of fake.received) {
    totals.requests += 1;
    totals.firstAt ??= request.at;
    totals.lastAt = request.at;
    if (request.response.status !== 200) {
      totals.non200 += 1;
      if (totals.errors.length < 5) totals.errors.push(request.response);
    }
  }
  for (const event of fake.accepted) {
    totals.events += 1;
    if (!totals.ids.has(event.event_id)) {
      totals.ids.add(event.event_id);
      totals.idSum = (totals.idSum + idHash(event.event_id)) >>> 0;
    }
  }
  fake.reset();
}
setInterval(tally, 50).unref();

process.on('message', (message) => {
  tally();
  if (message.cmd === 'reset') totals = fresh();
  const { ids, ...rest } = totals;
  process.send({ id: message.id, ...rest, unique: ids.size });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

process.send({ ready: true, url: fake.url });
