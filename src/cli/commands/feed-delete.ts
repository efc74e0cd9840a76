import { deleteFeed, orgOfFeed } from '../../feeds/manage.js';
import { CLI_ACTOR } from '../../management/audit.js';
import { type Command, required } from '../context.js';

export const feedDelete: Command = {
  name: 'feed delete',
  usage: 'feed delete --id FEED_ID                 delete a product feed (its URL answers 404)',
  async run({ values, out, withDeps }) {
    const id = required(values, 'id');
    await withDeps(async (deps) => deleteFeed(deps, CLI_ACTOR, { orgId: await orgOfFeed(deps, id), id }));
    out.print(`deleted feed ${id}`, { id, deleted: true });
    return 0;
  },
};
