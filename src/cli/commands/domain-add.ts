import { CLI_ACTOR } from '../../management/audit.js';
import { createDomain } from '../../management/domains/create-domain.js';
import { type Command, required } from '../context.js';

export const domainAdd: Command = {
  name: 'domain add',
  usage: `domain add --org ORG --host HOST [--shop-url URL] [--country CC]
                                           add a proxy domain, active at once (the operator vouches for its DNS)`,
  async run({ values, out, withDeps }) {
    const orgId = required(values, 'org');
    const host = required(values, 'host');
    const created = await withDeps((deps) =>
      createDomain(deps, CLI_ACTOR, {
        orgId,
        host,
        shopUrl: values['shop-url'],
        defaultCountry: values.country,
        status: 'active',
      }),
    );
    out.print(
      `created domain ${created.domain.id} for ${created.domain.host}\n  X-SSP-Token: ${created.proxyToken}\n  sync token (shown once): ${created.syncToken}`,
      {
        id: created.domain.id,
        host: created.domain.host,
        defaultCountry: created.domain.default_country,
        proxyToken: created.proxyToken,
        syncToken: created.syncToken,
      },
    );
    return 0;
  },
};
