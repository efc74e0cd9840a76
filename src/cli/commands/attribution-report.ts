import { attributionReport, reportInput } from '../../attribution/report.js';
import { ApiError } from '../../errors.js';
import { parseTimeBound } from '../../public-api/query.js';
import { getDomainById } from '../../storage/repos/domains.js';
import { type Command, required, UsageError } from '../context.js';

const pad = (text: string, width: number): string => text.padEnd(width);

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`--${flag} must be a whole number`);
  return Number(value);
}

const money = (revenue: ReadonlyArray<{ currency: string | null; value: number }>): string =>
  revenue.map((r) => `${r.value}${r.currency ? ` ${r.currency}` : ''}`).join(', ') || '-';

export const attributionReportCommand: Command = {
  name: 'attribution report',
  usage: `attribution report --domain DOMAIN [--from ISO] [--to ISO] [--window DAYS] [--limit N]
                                           orders attributed to channels, first and last click (docs/attribution.md)`,
  async run(ctx) {
    const domainId = required(ctx.values, 'domain');
    const windowDays = integer(ctx.values.window, 'window');
    const limit = integer(ctx.values.limit, 'limit');
    const report = await ctx.withDeps(async (deps) => {
      const domain = await getDomainById(deps.storage.db, domainId);
      if (!domain) throw new ApiError('not_found', `No domain ${domainId}`, { id: domainId });
      const input = reportInput(
        {
          orgId: domain.org_id,
          domainId: domain.id,
          now: deps.clock.now(),
          defaultWindowDays: deps.config.pixel.attributionWindowDays,
        },
        {
          ...(ctx.values.from !== undefined ? { from: ctx.values.from } : {}),
          ...(ctx.values.to !== undefined ? { to: ctx.values.to } : {}),
          ...(windowDays !== undefined ? { window: windowDays } : {}),
          ...(limit !== undefined ? { limit } : {}),
        },
        parseTimeBound,
      );
      return attributionReport(deps.storage.db, input);
    });
    if (ctx.out.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    const { totals } = report;
    const lines = [
      `${totals.orders} orders from ${report.from} to ${report.to} (${money(totals.revenue)}), window ${report.windowDays} days; ${totals.unattributed.orders} without a touchpoint`,
      '',
      `${pad('channel', 12)}${pad('first click', 14)}${pad('revenue', 22)}${pad('last click', 13)}revenue`,
      ...report.channels.map(
        (c) =>
          `${pad(c.channel, 12)}${pad(String(c.firstClick.orders), 14)}${pad(money(c.firstClick.revenue), 22)}${pad(String(c.lastClick.orders), 13)}${money(c.lastClick.revenue)}`,
      ),
      '',
      ...report.orders.map(
        (o) =>
          `${o.occurredAt}  ${pad(o.orderId, 14)}${pad(`${o.value ?? '-'} ${o.currency ?? ''}`.trim(), 14)}first ${pad(o.firstClick?.channel ?? '-', 12)}last ${o.lastClick?.channel ?? '-'}`,
      ),
    ];
    if (report.nextCursor) lines.push(`(more orders: the API lists them with cursor=${report.nextCursor})`);
    if (report.truncated) lines.push('(more orders than one report reads: narrow the range)');
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
