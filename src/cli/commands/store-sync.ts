import cliProgress from 'cli-progress';
import { syncChannelToEnd } from '../../catalogue/channel-sync.js';
import { realWaits, storeTransport } from '../../catalogue/store-client.js';
import { ApiError } from '../../errors.js';
import { getChannelOfDomain } from '../../storage/repos/products.js';
import { type Command, UsageError } from '../context.js';

/**
 * `store sync --channel ID | --domain ID [--full] [--json]`: runs the channel's catalogue sync to its end in
 * this process (the worker's code, under the channel's lease), with a progress bar on stderr and a
 * summary; `--json` prints exactly one object `{"products": N, …}` on stdout.
 */
export const storeSync: Command = {
  name: 'store sync',
  usage: `store sync --channel CHANNEL_ID | --domain DOMAIN_ID [--full]
                                           sync the store's catalogue now (progress on stderr, summary at the end)`,
  async run(ctx) {
    const channelFlag = ctx.values.channel;
    const domainFlag = ctx.values.domain;
    if ((channelFlag === undefined) === (domainFlag === undefined)) {
      throw new UsageError('give one of --channel or --domain');
    }
    const full = ctx.values.full === true;
    const outcome = await ctx.withDeps(async (deps) => {
      let channelId = channelFlag ?? '';
      if (domainFlag !== undefined) {
        const channel = await getChannelOfDomain(deps.storage.db, domainFlag);
        if (!channel) {
          throw new ApiError('not_found', 'No store channel is linked to this domain', {
            domainId: domainFlag,
          });
        }
        channelId = channel.id;
      }
      // The bar only where someone watches it; scripts get the summary alone.
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar(
            { format: 'catalogue [{bar}] {value}/{total} entries', stream: process.stderr, hideCursor: true },
            cliProgress.Presets.legacy,
          )
        : null;
      let started = false;
      const onProgress = (done: number, total: number | null): void => {
        if (!bar) return;
        const expected = Math.max(total ?? done, done);
        if (!started) {
          bar.start(expected, done);
          started = true;
        } else {
          bar.setTotal(expected);
          bar.update(done);
        }
      };
      try {
        return await syncChannelToEnd(
          { ...deps, transport: storeTransport(deps.config), waits: realWaits },
          { channelId, full, onProgress },
        );
      } finally {
        if (started) bar?.stop();
      }
    });
    const summary = {
      products: outcome.products,
      created: outcome.created,
      updated: outcome.updated,
      unchanged: outcome.unchanged,
      removed: outcome.removed,
      pages: outcome.pages,
      notAdded: outcome.notAdded,
      durationMs: outcome.durationMs,
      channelId: outcome.channelId,
      full: outcome.full,
      resumed: outcome.resumed,
      status: outcome.status,
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      ...(outcome.warnings.length > 0 ? { warnings: outcome.warnings } : {}),
    };
    const ok = outcome.status === 'completed';
    ctx.out.print(
      ok
        ? `${outcome.products} products in the channel (${outcome.created} new, ${outcome.updated} changed, ${outcome.removed} removed; ${outcome.pages} pages in ${(outcome.durationMs / 1000).toFixed(1)} s${outcome.resumed ? ', resumed' : ''}${outcome.full ? ', full' : ''})${outcome.warnings.map((w) => `\nwarning: ${w}`).join('')}`
        : `The sync did not finish (${outcome.status}): ${outcome.error ?? ''}\n${outcome.products} products in the channel; the next run resumes where this one stopped.`,
      summary,
    );
    return ok ? 0 : 1;
  },
};
