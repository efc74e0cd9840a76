import { backfillOrders } from '../../orders/backfill.js';
import { reconcile } from '../../orders/reconciliation.js';
import { parseTimeBound } from '../../public-api/query.js';
import { getDomainById } from '../../storage/repos/domains.js';
import { type Command, type CommandContext, required } from '../context.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3600_000, d: 24 * 3600_000 };

/** `7d`, `24h`, `90m` before now, or an ISO date / date-time. */
export function parseSince(value: string, now: number): number {
  const relative = /^(\d+)([mhd])$/.exec(value.trim());
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]!]!;
  return parseTimeBound(value.trim(), 'from');
}

async function scope(
  ctx: CommandContext,
): Promise<{ orgId: string; domainId: string; from: number; to: number }> {
  const domainId = required(ctx.values, 'domain');
  const now = Date.now();
  const from = parseSince(ctx.values.since ?? '7d', now);
  const to = ctx.values.until === undefined ? now : parseTimeBound(ctx.values.until, 'to');
  const orgId = await ctx.withDeps(
    async (deps) => (await getDomainById(deps.storage.db, domainId))?.org_id ?? '',
  );
  return { orgId, domainId, from, to };
}

const pad = (text: string, width: number): string => text.padEnd(width);

export const reconcileCommand: Command = {
  name: 'reconcile',
  usage: `reconcile --domain DOMAIN [--since 7d|ISO] [--until ISO]
                                           paid orders against each destination's outcomes (coverage in %)`,
  async run(ctx) {
    const input = await scope(ctx);
    const { report } = await ctx.withDeps((deps) => reconcile(deps, input));
    if (ctx.out.json) {
      process.stdout.write(`${JSON.stringify(report.destinations)}\n`);
      return 0;
    }
    const lines = [
      `${report.orders} paid orders from ${report.from} to ${report.to}` +
        (report.revenue.currency ? ` (${report.revenue.total} ${report.revenue.currency})` : ''),
      '',
      `${pad('destination', 12)}${pad('orders', 8)}${pad('delivered', 11)}${pad('pending', 9)}${pad('failed', 8)}${pad('skipped', 9)}${pad('not sent', 10)}coverage  revenue`,
      ...report.destinations.map(
        (d) =>
          `${pad(d.destination, 12)}${pad(String(d.orders), 8)}${pad(String(d.delivered), 11)}${pad(String(d.pending), 9)}${pad(String(d.failed), 8)}${pad(String(d.skipped), 9)}${pad(String(d.notSent), 10)}${pad(`${d.coverage}%`, 10)}${d.revenue.coverage}%`,
      ),
    ];
    for (const d of report.destinations) {
      for (const r of d.reasons.slice(0, 3))
        lines.push(`  ${d.destination}: ${r.orders} ${r.outcome.replace('_', ' ')} — ${r.message}`);
    }
    if (report.truncated) lines.push('(more orders than one report reads: narrow the range)');
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};

/** `[#####-----] 12/40` on stderr, redrawn in place when stderr is a terminal. */
function progressBar(done: number, total: number): void {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
  else if (done === total || done % 50 === 0) process.stderr.write(`${line}\n`);
}

export const backfillCommand: Command = {
  name: 'backfill',
  usage: `backfill --domain DOMAIN [--since 7d|ISO] [--until ISO] [--dry-run]
                                           send paid orders to the destinations that never had them`,
  async run(ctx) {
    const input = await scope(ctx);
    const result = await ctx.withDeps((deps) =>
      backfillOrders(deps, { ...input, dryRun: ctx.values['dry-run'], onProgress: progressBar }),
    );
    const verb = result.dryRun ? 'would send' : 'sent';
    ctx.out.print(
      [
        `${result.missing} orders missing somewhere; ${verb} ${result.sent} (${result.deliveries} deliveries)`,
        ...result.notSendable.map((n) => `  ${n.destination}: ${n.orders} not sendable — ${n.reason}`),
      ].join('\n'),
      result,
    );
    return 0;
  },
};
