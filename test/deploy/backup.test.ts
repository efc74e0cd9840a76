/**
 * `npx tagbridge backup --out FILE`: an online copy of the SQLite database, taken by a separate process
 * while the service keeps accepting events. The copy opens, passes its integrity check, holds every event
 * answered before the backup started, and is readable by its owner only. On PostgreSQL the command refuses
 * and points to pg_dump.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { backupSqlite, POSTGRES_BACKUP_MESSAGE } from '../../src/cli/commands/backup.js';
import {
  createTenant,
  dialect,
  pgUrl,
  proxyHeaders,
  purchaseEvent,
  sameDatabaseEnv,
  startTestService,
  type Tenant,
  type TestService,
} from '../harness.js';
import { runCli } from '../processes.js';

const onSqlite = dialect === 'sqlite';

describe('backup on SQLite', {
  skip: onSqlite ? false : 'SQLite only (the PostgreSQL run checks the refusal)',
}, () => {
  let service: TestService;
  let tenant: Tenant;
  let outDir: string;

  before(async () => {
    service = await startTestService({ env: { PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    tenant = await createTenant(service);
    outDir = mkdtempSync(join(tmpdir(), 'tagbridge-backup-'));
  });
  after(async () => {
    await service?.destroy();
    rmSync(outDir, { recursive: true, force: true });
  });

  /** Sends `count` events in requests of 50; returns their ids once all were answered 2xx. */
  async function send(count: number, prefix: string): Promise<string[]> {
    const ids: string[] = [];
    for (let sent = 0; sent < count; sent += 50) {
      const events = Array.from({ length: Math.min(50, count - sent) }, (_, k) =>
        purchaseEvent({ eventId: `${prefix}-${sent + k}` }),
      );
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: { events },
      });
      assert.equal(res.statusCode, 200, res.body);
      ids.push(...events.map((e) => e.eventId as string));
    }
    return ids;
  }

  /** Sends events until `stop` is set; resolves with the ids answered 2xx. */
  function keepSending(prefix: string): { stop: () => Promise<string[]> } {
    let writing = true;
    const ids: string[] = [];
    const loop = (async () => {
      let round = 0;
      while (writing) ids.push(...(await send(50, `${prefix}-${round++}`)));
    })();
    return {
      async stop() {
        writing = false;
        await loop;
        return ids;
      },
    };
  }

  /** The event ids in a copy, after its integrity check. */
  function eventsIn(file: string): Set<string> {
    const copy = new SQLite(file, { readonly: true, fileMustExist: true });
    try {
      assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
      return new Set(
        (copy.prepare('select event_id from events').all() as { event_id: string }[]).map((r) => r.event_id),
      );
    } finally {
      copy.close();
    }
  }

  const missingFrom = (stored: Set<string>, ids: string[]): string[] => ids.filter((id) => !stored.has(id));

  test('a copy taken while the writer thread commits holds every event answered before it', async () => {
    const before = await send(3000, 'a-before');
    // The last commits are still in the -wal file: a copy of tagbridge.db alone would not have them.
    const writer = keepSending('a-during');
    const file = join(outDir, 'in-process.db');
    const report = await backupSqlite(join(service.dataDir, 'tagbridge.db'), file);
    const during = await writer.stop();
    assert.ok(during.length > 0, 'events were accepted while the backup ran');
    const stored = eventsIn(file);
    assert.deepEqual(missingFrom(stored, before), [], 'every event answered before the backup is in it');
    assert.ok(stored.size <= before.length + during.length + 3000);
    assert.equal(report.bytes, statSync(file).size);
  });

  test('`npx tagbridge backup` from another process while events keep arriving', async () => {
    const before = await send(1000, 'b-before');
    const writer = keepSending('b-during');
    const file = join(outDir, 'tagbridge-backup.db');
    const result = await runCli(['backup', '--out', file, '--json'], sameDatabaseEnv(service));
    const during = await writer.stop();

    assert.equal(result.code, 0, result.stderr + result.stdout);
    const report = JSON.parse(result.stdout) as { file: string; bytes: number; pages: number };
    assert.equal(report.file, file);
    assert.equal(report.bytes, statSync(file).size);
    assert.ok(report.pages > 0);
    assert.ok(during.length > 0, 'events were accepted while the backup ran');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the copy is readable by its owner only');
    assert.equal(existsSync(`${file}.partial`), false);
    assert.equal(existsSync(`${file}-wal`), false, 'one self-contained file');
    assert.deepEqual(missingFrom(eventsIn(file), before), []);
  });

  test('never overwrites a file, and says so (exit 2)', async () => {
    const file = join(outDir, 'existing.db');
    writeFileSync(file, 'keep me');
    const result = await runCli(['backup', '--out', file, '--json'], sameDatabaseEnv(service));
    assert.equal(result.code, 2);
    assert.match(JSON.parse(result.stdout).error.message, /exists; backup never overwrites/);
    assert.equal(readFileSync(file, 'utf8'), 'keep me');
  });

  test('--out is required', async () => {
    const result = await runCli(['backup', '--json'], sameDatabaseEnv(service));
    assert.equal(result.code, 2);
    assert.match(JSON.parse(result.stdout).error.message, /--out is required/);
  });
});

test('backup on PostgreSQL refuses and points to pg_dump', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tagbridge-backup-pg-'));
  try {
    const file = join(dataDir, 'out.db');
    const result = await runCli(['backup', '--out', file, '--json'], {
      DATA_DIR: dataDir,
      DATABASE_URL: pgUrl,
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    assert.equal(result.code, 2);
    const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    assert.equal(error.message, POSTGRES_BACKUP_MESSAGE);
    assert.match(error.message, /pg_dump/);
    assert.match(error.message, /docs\/deploy\.md/);
    assert.equal(existsSync(file), false);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
