import { listFeedsOfOrg, orgOfChannel } from '../../feeds/manage.js';
import { feedBody } from '../../feeds/views.js';
import { type Command, UsageError } from '../context.js';

export const feedList: Command = {
  name: 'feed list',
  usage: "feed list --org ORG | --channel CHANNEL_ID   list an org's (or a channel's) product feeds",
  async run({ values, out, withDeps }) {
    if (!values.org && !values.channel) throw new UsageError('--org or --channel is required');
    const data = await withDeps(async (deps) => {
      const orgId = values.org ?? (await orgOfChannel(deps, values.channel!));
      const rows = await listFeedsOfOrg(deps, orgId, values.channel);
      return rows.map((row) => feedBody(row, deps.config.management.publicBaseUrl));
    });
    out.print(
      data.length
        ? data
            .map(
              (f) =>
                `${f.id} ${f.format} ${f.published ? 'published' : 'unpublished'} ${f.publicUrl}` +
                (f.lastGeneratedAt
                  ? ` (${f.productCount} products, ${f.skippedCount} skipped at ${f.lastGeneratedAt})`
                  : ''),
            )
            .join('\n')
        : 'no feeds',
      data,
    );
    return 0;
  },
};
