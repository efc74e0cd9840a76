import { resealAll } from '../../storage/repos/key-rotation.js';
import type { Command } from '../context.js';

export const keysRotate: Command = {
  name: 'keys rotate',
  usage: `keys rotate                              re-encrypt every sealed value under ENCRYPTION_KEY
                                           (values under ENCRYPTION_KEYS_PREVIOUS are opened with those)`,
  async run({ out, withDeps }) {
    const report = await withDeps((deps) => resealAll(deps.storage.db, deps.sealer));
    const tables = ['domains', 'destinations', 'callbacks', 'events', 'webhookSecrets'] as const;
    const failed = tables.reduce((sum, table) => sum + report[table].failed, 0);
    out.print(
      [
        `sealed values now under key ${report.keyId}:`,
        ...tables.map(
          (t) =>
            `  ${t}: ${report[t].resealed} re-sealed, ${report[t].alreadyCurrent} already current${report[t].failed ? `, ${report[t].failed} FAILED` : ''}`,
        ),
        ...report.failures.map((f) => `  cannot open ${f.table} ${f.id}: ${f.error}`),
      ].join('\n'),
      report,
    );
    // Values no configured key opens must not go unnoticed: the old key is still needed for them.
    return failed > 0 ? 1 : 0;
  },
};
