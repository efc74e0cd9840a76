/**
 * `backup --out FILE`: a consistent copy of the embedded SQLite database while the service keeps writing,
 * through SQLite's online backup API (better-sqlite3's `backup`). A plain file copy is not one: a running
 * node holds committed transactions in the -wal file and may write while the copy is taken.
 *
 * PostgreSQL is backed up with its own tools (pg_dump, or base backups with WAL archiving for point-in-time
 * recovery): docs/deploy.md.
 */
import { closeSync, existsSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Command, required, UsageError } from '../context.js';

export const POSTGRES_BACKUP_MESSAGE =
  'backup copies the embedded SQLite database, and this instance uses PostgreSQL (DATABASE_URL is set): ' +
  'back it up with pg_dump, or with base backups and WAL archiving for point-in-time recovery ' +
  '(docs/deploy.md, "Backups"; https://www.postgresql.org/docs/current/backup.html)';

export interface BackupReport {
  file: string;
  bytes: number;
  pages: number;
  durationMs: number;
}

/** Copies the database at `source` to `out` (created owner-only; never overwritten), then checks the copy. */
export async function backupSqlite(source: string, out: string): Promise<BackupReport> {
  const started = performance.now();
  const partial = `${out}.partial`;
  // Sealed personal data and every credential are in it: readable by its owner only, like the database.
  closeSync(openSync(partial, 'w', 0o600));
  const database = new SQLite(source, { fileMustExist: true });
  try {
    database.pragma('busy_timeout = 10000');
    await database.backup(partial, {
      // SQLite starts a backup over when another connection (a serving node) writes between two of its
      // steps. After better-sqlite3's first step of 100 pages, the rest goes in one step: one read
      // transaction, which no writer restarts, so a busy node cannot keep the backup from finishing.
      progress: () => 0x7fffffff,
    });
    let pages: number;
    const copy = new SQLite(partial, { fileMustExist: true });
    try {
      // One self-contained file (the source is in WAL mode, and its copy would be too).
      copy.pragma('journal_mode = DELETE');
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its check: ${String(check)}`);
      pages = copy.pragma('page_count', { simple: true }) as number;
    } finally {
      copy.close();
    }
    renameSync(partial, out);
    return {
      file: out,
      bytes: statSync(out).size,
      pages,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    database.close();
  }
}

export const backup: Command = {
  name: 'backup',
  usage: `backup --out FILE                        copy the SQLite database while the service runs (online
                                           backup); PostgreSQL: use pg_dump (docs/deploy.md)`,
  async run({ values, out, config: loadConfig }) {
    const target = resolve(required(values, 'out'));
    const config = loadConfig();
    if (config.databaseUrl) throw new UsageError(POSTGRES_BACKUP_MESSAGE);
    const source = join(config.dataDir, 'tagbridge.db');
    if (!existsSync(source)) throw new UsageError(`no database at ${source} (check DATA_DIR)`);
    if (existsSync(target)) throw new UsageError(`${target} exists; backup never overwrites a file`);
    const report = await backupSqlite(source, target);
    out.print(
      [
        `backed up ${source} to ${report.file} (${report.bytes} bytes, ${report.durationMs} ms)`,
        'The encryption key is not in it: keep ENCRYPTION_KEY (or DATA_DIR/encryption.key) safe apart.',
      ].join('\n'),
      report,
    );
    return 0;
  },
};
