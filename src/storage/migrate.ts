import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Storage } from './db.js';
import * as m0001 from './migrations/0001_init.js';
import * as m0002 from './migrations/0002_management.js';
import * as m0003 from './migrations/0003_domains_sync.js';
import * as m0004 from './migrations/0004_public_api.js';

// Migrations are compiled in (no directory scanning), so the built package and tests see the same list.
const migrations: Record<string, Migration> = {
  '0001_init': m0001,
  '0002_management': m0002,
  '0003_domains_sync': m0003,
  '0004_public_api': m0004,
};

const provider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest(storage: Storage): Promise<MigrationReport> {
  const migrator = new Migrator({
    db: storage.db,
    provider,
    migrationTableName: 'tagbridge_migrations',
    migrationLockTableName: 'tagbridge_migrations_lock',
    // Without a schema, Kysely would find another schema's migration tables and skip creating ours.
    ...(storage.schema ? { migrationTableSchema: storage.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
