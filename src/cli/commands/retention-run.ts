import { runRetention } from '../../retention/run.js';
import type { Command } from '../context.js';

export const retentionRun: Command = {
  name: 'retention run',
  usage: `retention run [--full-vacuum]      one retention pass now (what each worker runs every RETENTION_INTERVAL_MINUTES);
                                           --json prints {"deleted":{table:count},"sqlite","durationMs"}; --full-vacuum
                                           first switches an existing SQLite file to incremental vacuum (one VACUUM)`,
  async run({ values, out, withDeps }) {
    const report = await withDeps((deps) =>
      runRetention(deps, { fullVacuum: values['full-vacuum'] === true }),
    );
    const lines = Object.entries(report.deleted)
      .filter(([, n]) => n > 0)
      .map(([table, n]) => `  ${table}: ${n}`);
    const space = report.sqlite
      ? `\nSQLite (${report.sqlite.autoVacuum} auto-vacuum): ${report.sqlite.bytesBefore} → ${report.sqlite.bytesAfter} bytes`
      : '';
    out.print(`${lines.length ? `deleted:\n${lines.join('\n')}` : 'nothing to delete'}${space}`, report);
    return 0;
  },
};
