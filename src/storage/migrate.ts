import { type Migration, type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely';
import type { Storage } from './db.js';
import * as m0001 from './migrations/0001_init.js';
import * as m0002 from './migrations/0002_management.js';
import * as m0003 from './migrations/0003_domains_sync.js';
import * as m0004 from './migrations/0004_public_api.js';
import * as m0005 from './migrations/0005_compact_outbox.js';
import * as m0006 from './migrations/0006_consent.js';
import * as m0007 from './migrations/0007_diagnostics.js';
import * as m0008 from './migrations/0008_orders.js';
import * as m0009 from './migrations/0009_webhooks_out.js';
import * as m0010 from './migrations/0010_stores.js';
import * as m0011 from './migrations/0011_pixel.js';
import * as m0012 from './migrations/0012_retention.js';
import * as m0013 from './migrations/0013_delivery_counts.js';
import * as m0014 from './migrations/0014_time_partitions.js';
import * as m0015 from './migrations/0015_compact_dedup_keys.js';
import * as m0016 from './migrations/0016_sealed_groups.js';

// Migrations are compiled in (no directory scanning), so the built package and tests see the same list.
const migrations: Record<string, Migration> = {
  '0001_init': m0001,
  '0002_management': m0002,
  '0003_domains_sync': m0003,
  '0004_public_api': m0004,
  '0005_compact_outbox': m0005,
  '0006_consent': m0006,
  '0007_diagnostics': m0007,
  '0008_orders': m0008,
  '0009_webhooks_out': m0009,
  '0010_stores': m0010,
  '0011_pixel': m0011,
  '0012_retention': m0012,
  '0013_delivery_counts': m0013,
  '0014_time_partitions': m0014,
  '0015_compact_dedup_keys': m0015,
  '0016_sealed_groups': m0016,
};

const provider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

export interface MigrationReport {
  applied: string[];
}

function migratorOf(storage: Storage): Migrator {
  return new Migrator({
    db: storage.db,
    provider,
    migrationTableName: 'tagbridge_migrations',
    migrationLockTableName: 'tagbridge_migrations_lock',
    // Without a schema, Kysely would find another schema's migration tables and skip creating ours.
    ...(storage.schema ? { migrationTableSchema: storage.schema } : {}),
  });
}

export async function migrateToLatest(storage: Storage): Promise<MigrationReport> {
  return report(await migratorOf(storage).migrateToLatest());
}

/** Up or down to the named migration (upgrade tests; rolling back a release). */
export async function migrateTo(storage: Storage, name: string): Promise<MigrationReport> {
  if (!(name in migrations)) throw new Error(`Unknown migration ${name}`);
  return report(await migratorOf(storage).migrateTo(name));
}

function report({ error, results }: MigrationResultSet): MigrationReport {
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
