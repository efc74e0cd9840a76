import { identifiersOf } from '../../destinations/match-quality.js';
import { ApiError } from '../../errors.js';
import { diagnosticsReport } from '../../ingest/diagnostics-report.js';
import { diagnosticsRange } from '../../public-api/query.js';
import { getDomainById } from '../../storage/repos/domains.js';
import { type Command, required } from '../context.js';

const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)} %`);

export const diagnostics: Command = {
  name: 'diagnostics',
  usage: `diagnostics --domain DOMAIN [--from DATE] [--to DATE]
                                           match quality, deduplication and warnings of a domain's events`,
  async run({ values, out, withDeps }) {
    const domainId = required(values, 'domain');
    const report = await withDeps(async (deps) => {
      const domain = await getDomainById(deps.storage.db, domainId);
      if (!domain || domain.status === 'deleted') {
        throw new ApiError('not_found', `No domain ${domainId}`, { id: domainId });
      }
      const range = diagnosticsRange(deps.clock.now(), { from: values.from, to: values.to });
      return diagnosticsReport(deps.storage.db, { orgId: domain.org_id, domainId, ...range, identifiersOf });
    });
    const lines = [
      `${report.events} events ${report.from} – ${report.to} (${report.browserEvents} from the browser)`,
      `deduplication: ${report.deduplication.pairedEvents} arrived from browser and server (${percent(report.deduplication.rate)})`,
      `purchases with a click id: ${report.purchases.withClickId} of ${report.purchases.count} (${percent(report.purchases.clickIdRate)})`,
      ...report.destinations.map(
        (d) =>
          `${d.type}: ${d.deliveries} deliveries, match score ${d.meanMatchScore ?? '—'}, ` +
          Object.entries(d.coverage)
            .map(([key, share]) => `${key} ${percent(share)}`)
            .join(', '),
      ),
      ...report.warnings.map(
        (w) => `warning ${w.code}: ${w.events} events (${percent(w.share)}). ${w.message}`,
      ),
    ];
    out.print(lines.join('\n'), report);
    return 0;
  },
};
