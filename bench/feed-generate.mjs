/**
 * Phase (8)'s standalone generation: one process that opens the database and generates a feed with the
 * compiled code (dist/feeds/generate.js) and nothing else of the service, so its peak RSS is the
 * generation's own. Prints {"products","skipped","bytes","gzipBytes","seconds","peakRssBytes"}.
 * Env: BENCH_DIST (compiled tree), DATA_DIR (SQLite), FEED_SLUG, FEED_PAGE_SIZE.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.BENCH_DIST;
const load = (path) => import(pathToFileURL(join(dist, path)).href);
const { openStorage } = await load('storage/db.js');
const { migrateToLatest } = await load('storage/migrate.js');
const { getFeedBySlug, getChannel } = await load('storage/repos/feeds.js');
const { feedDefinition } = await load('feeds/definition.js');
const { generateFeed } = await load('feeds/generate.js');

const storage = await openStorage({ dataDir: process.env.DATA_DIR, sqliteSynchronous: 'NORMAL' });
await migrateToLatest(storage);
const row = await getFeedBySlug(storage.db, process.env.FEED_SLUG);
const definition = feedDefinition(row);
const channel = await getChannel(storage.db, definition.channelId);
const started = performance.now();
const feed = await generateFeed(storage.db, definition, channel, {
  pageSize: Number(process.env.FEED_PAGE_SIZE || 1000),
  now: Date.now(),
  sqlite: storage.sqlite,
});
const seconds = (performance.now() - started) / 1000;
await storage.close();
const hwm = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
process.stdout.write(
  `${JSON.stringify({ products: feed.products, skipped: feed.skipped, bytes: feed.bytes, gzipBytes: feed.gzipBytes, seconds, peakRssBytes: hwm })}\n`,
);
if (process.env.FEED_DEBUG) process.stderr.write(`${JSON.stringify(process.memoryUsage())}\n`);
// Let the parent read the line before it sees this process exit.
setTimeout(() => process.exit(0), 300);
