import { createFeed, orgOfChannel } from '../../feeds/manage.js';
import { feedBody } from '../../feeds/views.js';
import { CLI_ACTOR } from '../../management/audit.js';
import { type Command, required } from '../context.js';
import { feedFilters, feedOverrides } from './feed-common.js';

/** `--json` prints the feed as the management API shows it, with `publicUrl`: other tools read it. */
export const feedCreate: Command = {
  name: 'feed create',
  usage: `feed create --channel CHANNEL_ID --slug SLUG --format google|meta|json [--name NAME] [--publish]
              [--filters JSON] [--overrides JSON]
                                           define a product feed of a store channel; prints its public URL`,
  async run({ values, out, withDeps }) {
    const channelId = required(values, 'channel');
    const slug = required(values, 'slug');
    const format = required(values, 'format');
    const filters = feedFilters(values);
    const overrides = feedOverrides(values);
    const body = await withDeps(async (deps) => {
      const orgId = await orgOfChannel(deps, channelId);
      const row = await createFeed(deps, CLI_ACTOR, {
        orgId,
        channelId,
        slug,
        name: values.name,
        format,
        filters,
        overrides,
        published: values.publish === true,
      });
      return feedBody(row, deps.config.management.publicBaseUrl);
    });
    out.print(
      `created feed ${body.id} (${body.format}, ${body.published ? 'published' : 'not published'}) → ${body.publicUrl}`,
      body,
    );
    return 0;
  },
};
