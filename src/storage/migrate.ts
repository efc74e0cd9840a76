import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { DB } from './db.js';
import * as m0001 from './migrations/0001_init.js';

// Migrations are compiled in (no directory scanning), so the built package and tests see the same list.
const migrations: Record<string, Migration> = {
  '0001_init': m0001,
};

const provider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest(db: DB): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'tagbridge_migrations' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
