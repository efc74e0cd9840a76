/**
 * The outbox's writer thread (entry file; started by src/storage/outbox-thread.ts). It owns its own
 * connection to the SQLite file, opened with the main connection's settings, prepares the outbox
 * statements (compiled by the main thread: nothing here loads Kysely, test/writer-thread.test.ts) once and commits one group per message, answering each with the events' acceptance once the
 * transaction is durable. The protocol is described in outbox-thread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { commitGroup, prepareOutboxStatements } from './outbox-sqlite.js';
import type { ThreadReply, ThreadRequest, ThreadStart } from './outbox-thread.js';
import { openSqliteHandle } from './sqlite-handle.js';

const port = parentPort;
if (!port) throw new Error('outbox-worker.ts runs as a worker thread');
const start = workerData as ThreadStart;
const sqlite = openSqliteHandle(start.settings);
const statements = prepareOutboxStatements(sqlite, start.statements);
const options = start.testDelayMs ? { testDelayMs: start.testDelayMs } : {};

const reply = (message: ThreadReply, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

port.on('message', (message: ThreadRequest) => {
  if (message.type === 'close') {
    sqlite.close();
    port.close();
    return;
  }
  let accepted: Uint8Array;
  try {
    accepted = commitGroup(statements, message.group, options);
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
