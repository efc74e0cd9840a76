/**
 * The outbox's writer thread (entry file; started by src/storage/outbox-thread.ts). It owns its own
 * connection to the SQLite file, opened with the main connection's settings, prepares the outbox
 * statements (compiled by the main thread: nothing here loads Kysely, test/writer-thread.test.ts) once and commits one group per message, answering each with the events' acceptance once the
 * transaction is durable. The protocol is described in outbox-thread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Sealer } from '../lib/crypto.js';
import { commitGroup, prepareOutboxStatements } from './outbox-sqlite.js';
import type { ThreadReply, ThreadRequest, ThreadStart } from './outbox-thread.js';
import { openSqliteHandle } from './sqlite-handle.js';

const port = parentPort;
if (!port) throw new Error('outbox-worker.ts runs as a worker thread');
const start = workerData as ThreadStart;
const sqlite = openSqliteHandle(start.settings);
const statements = prepareOutboxStatements(sqlite, start.statements);
const sealer = new Sealer([Buffer.from(start.sealKey)]);
const options = start.testDelayMs ? { testDelayMs: start.testDelayMs } : {};

const reply = (message: ThreadReply, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

// Checkpoints off the main thread's event loop (outbox-thread.ts, "Checkpoints"). Returns the frames the WAL
// still holds. One that fails (an I/O error) is the next one's to do; one that finds another connection
// checkpointing (busy) copied nothing and reports the WAL as it is.
const checkpoint = (): number => {
  try {
    const [result] = sqlite.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    return result?.log ?? 0;
  } catch {
    return 0;
  }
};
const checkpoints = setInterval(() => {
  const frames = checkpoint();
  if (frames >= start.holdFrames) reply({ type: 'long-wal', frames });
}, start.checkpointIntervalMs);

port.on('message', (message: ThreadRequest) => {
  if (message.type === 'close') {
    clearInterval(checkpoints);
    sqlite.close();
    port.close();
    return;
  }
  if (message.type === 'checkpoint') {
    checkpoint();
    reply({ type: 'checkpointed', id: message.id });
    return;
  }
  let accepted: Uint8Array;
  try {
    accepted = commitGroup(statements, sealer, message.group, options);
  } catch (error) {
    const { message: text, code } = error as { message?: unknown; code?: unknown };
    reply({
      type: 'failed',
      id: message.id,
      message: String(text ?? error),
      ...(typeof code === 'string' ? { code } : {}),
    });
    return;
  }
  reply({ type: 'committed', id: message.id, accepted }, [accepted.buffer as ArrayBuffer]);
});
reply({ type: 'ready', synchronous: Number(sqlite.pragma('synchronous', { simple: true })) });
