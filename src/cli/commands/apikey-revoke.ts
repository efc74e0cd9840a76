import { ApiError } from '../../errors.js';
import { CLI_ACTOR } from '../../management/audit.js';
import { revokeApiKey } from '../../public-api/api-keys/revoke.js';
import { apiKeyBody } from '../../public-api/management-views.js';
import { getApiKey } from '../../storage/repos/api-keys.js';
import { type Command, required } from '../context.js';

export const apikeyRevoke: Command = {
  name: 'apikey revoke',
  usage: 'apikey revoke --id KEY                   revoke an API key (refused at once on every node)',
  async run({ values, out, withDeps }) {
    const id = required(values, 'id');
    const { key, now } = await withDeps(async (deps) => {
      // The operator names a key of any org; the revocation then runs in that org.
      const found = await getApiKey(deps.storage.db, null, id);
      if (!found) throw new ApiError('not_found', `No API key ${id}`);
      return {
        key: await revokeApiKey(deps, CLI_ACTOR, { orgId: found.orgId, id }),
        now: deps.clock.now(),
      };
    });
    const data = apiKeyBody(key, now);
    out.print(`API key ${id} revoked at ${data.revokedAt}`, data);
    return 0;
  },
};
