import { orgOfFeed, updateFeed } from '../../feeds/manage.js';
import { feedBody } from '../../feeds/views.js';
import { CLI_ACTOR } from '../../management/audit.js';
import { type Command, required, UsageError } from '../context.js';
import { feedFilters, feedOverrides } from './feed-common.js';

export const feedUpdate: Command = {
  name: 'feed update',
  usage: `feed update --id FEED_ID [--slug SLUG] [--name NAME] [--format F] [--channel CHANNEL_ID]
              [--publish | --unpublish] [--filters JSON] [--overrides JSON]
                                           change a product feed (its cached output is dropped)`,
  async run({ values, out, withDeps }) {
    const id = required(values, 'id');
    if (values.publish && values.unpublish)
      throw new UsageError('--publish and --unpublish exclude each other');
    const changes = {
      slug: values.slug,
      name: values.name,
      format: values.format,
      channelId: values.channel,
      filters: feedFilters(values),
      overrides: feedOverrides(values),
      published: values.publish ? true : values.unpublish ? false : undefined,
    };
    if (Object.values(changes).every((v) => v === undefined)) throw new UsageError('nothing to change');
    const body = await withDeps(async (deps) => {
      const orgId = await orgOfFeed(deps, id);
      const row = await updateFeed(deps, CLI_ACTOR, { orgId, id, changes });
      return feedBody(row, deps.config.management.publicBaseUrl);
    });
    out.print(
      `updated feed ${body.id} (${body.format}, ${body.published ? 'published' : 'not published'}) → ${body.publicUrl}`,
      body,
    );
    return 0;
  },
};
