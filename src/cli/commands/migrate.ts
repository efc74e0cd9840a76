import { migrateToLatest } from '../../storage/migrate.js';
import type { Command } from '../context.js';

export const migrate: Command = {
  name: 'migrate',
  usage: 'migrate                                  apply database migrations',
  async run({ out, withDeps }) {
    const report = await withDeps((deps) => migrateToLatest(deps.storage));
    out.print(
      report.applied.length ? `applied ${report.applied.join(', ')}` : 'database is up to date',
      report,
    );
    return 0;
  },
};
