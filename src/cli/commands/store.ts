/** `tagbridge store list|disconnect`: the connected stores of an org, as the management API shows them. */
import { ApiError } from '../../errors.js';
import { CLI_ACTOR } from '../../management/audit.js';
import { getStoreChannelById } from '../../storage/repos/store-channels.js';
import { disconnectChannel, getChannel, listChannels } from '../../stores/channels.js';
import { type Command, required } from '../context.js';

export const storeList: Command = {
  name: 'store list',
  usage: 'store list --org ORG                     list an org’s connected stores (masked credentials)',
  async run({ values, out, withDeps }) {
    const orgId = required(values, 'org');
    const data = await withDeps((deps) => listChannels(deps, orgId));
    out.print(
      data.length
        ? data
            .map(
              (c) =>
                `${c.id} ${c.platform} ${c.status} ${c.storeUrl} ${c.credential ?? '-'}${c.domainId ? ` domain ${c.domainId}` : ''} sync ${c.sync.state}${c.sync.total !== null ? ` ${c.sync.done}/${c.sync.total}` : ''}`,
            )
            .join('\n')
        : 'no connected stores',
      data,
    );
    return 0;
  },
};

export const storeDisconnect: Command = {
  name: 'store disconnect',
  usage: 'store disconnect --channel CHANNEL       erase a store’s credentials, revoke its plugin sessions',
  async run({ values, out, withDeps }) {
    const channelId = required(values, 'channel');
    const view = await withDeps(async (deps) => {
      const channel = await getStoreChannelById(deps.storage.db, channelId);
      if (!channel) throw new ApiError('not_found', `No store channel ${channelId}`, { id: channelId });
      const { revokedSessions } = await disconnectChannel(deps, CLI_ACTOR, {
        orgId: channel.org_id,
        channelId,
      });
      return { ...(await getChannel(deps, channel.org_id, channelId)), revokedSessions };
    });
    out.print(`store ${channelId} disconnected (${view.revokedSessions} plugin session(s) revoked)`, view);
    return 0;
  },
};
