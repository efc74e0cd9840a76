import { listOrgApiKeys } from '../../public-api/api-keys/list.js';
import { apiKeyBody } from '../../public-api/management-views.js';
import { type Command, required } from '../context.js';

export const apikeyList: Command = {
  name: 'apikey list',
  usage: "apikey list --org ORG                    list an org's API keys (prefix, scopes, last use)",
  async run({ values, out, withDeps }) {
    const orgId = required(values, 'org');
    const { keys, now } = await withDeps(async (deps) => ({
      keys: await listOrgApiKeys(deps, orgId),
      now: deps.clock.now(),
    }));
    const data = keys.map((k) => apiKeyBody(k, now));
    out.print(
      data.length
        ? data
            .map(
              (k) =>
                `${k.id} ${k.prefix}… ${k.status} [${k.scopes.join(',')}] ${k.name} last used ${k.lastUsedAt ?? 'never'}`,
            )
            .join('\n')
        : 'no API keys',
      data,
    );
    return 0;
  },
};
