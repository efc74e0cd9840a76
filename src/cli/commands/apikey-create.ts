import { CLI_ACTOR } from '../../management/audit.js';
import { createApiKey } from '../../public-api/api-keys/create.js';
import { SCOPES } from '../../public-api/keys.js';
import { apiKeyBody } from '../../public-api/management-views.js';
import { type Command, required } from '../context.js';

export const apikeyCreate: Command = {
  name: 'apikey create',
  usage: `apikey create --org ORG [--domain DOMAIN] [--scopes ${SCOPES.join(',')}] [--name NAME]
                                           create a public API key (shown once)`,
  async run({ values, out, withDeps }) {
    const orgId = required(values, 'org');
    const scopes = values.scopes === undefined ? undefined : values.scopes.split(',').map((x) => x.trim());
    const { created, now } = await withDeps(async (deps) => ({
      created: await createApiKey(deps, CLI_ACTOR, {
        orgId,
        name: values.name ?? 'CLI key',
        scopes,
        domainId: values.domain,
      }),
      now: deps.clock.now(),
    }));
    out.print(
      `created API key ${created.apiKey.id} (${created.apiKey.scopes.join(', ')})\n  key (shown once): ${created.key}`,
      { ...apiKeyBody(created.apiKey, now), key: created.key },
    );
    return 0;
  },
};
