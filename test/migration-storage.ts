/**
 * A database of its own for a migration test, which moves one schema up and down: a temporary data directory
 * (SQLite) or a schema of its own (PostgreSQL), opened before the suite and removed after it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { openStorage, type Storage } from '../src/storage/db.js';
import { dialect, dropSchema, pgUrl } from './harness.js';

/** Call inside `describe`; `storage` is set once the suite's `before` has run. */
export function migrationStorage(name: string): { storage: Storage } {
  const dataDir = mkdtempSync(join(tmpdir(), `tagbridge-${name}-`));
  const schema = dialect === 'postgres' ? `t_${randomBytes(6).toString('hex')}` : null;
  const opened = {} as { storage: Storage };
  before(async () => {
    opened.storage = await openStorage({
      dataDir,
      ...(schema ? { databaseUrl: pgUrl, pgSchema: schema } : {}),
    });
  });
  after(async () => {
    await opened.storage.close();
    if (schema) await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });
  return opened;
}
