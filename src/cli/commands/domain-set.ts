import { CLI_ACTOR } from '../../management/audit.js';
import { updateDomain } from '../../management/domains/update-domain.js';
import { getDomainById } from '../../storage/repos/domains.js';
import { type Command, required, UsageError } from '../context.js';

export const domainSet: Command = {
  name: 'domain set',
  usage: `domain set --domain DOMAIN [--country CC] [--consent-default forward|deny]
                                           change a domain's settings`,
  async run({ values, out, withDeps }) {
    const domainId = required(values, 'domain');
    if (values.country === undefined && values['consent-default'] === undefined) {
      throw new UsageError('domain set needs --country or --consent-default');
    }
    const domain = await withDeps(async (deps) => {
      const found = await getDomainById(deps.storage.db, domainId);
      return updateDomain(deps, CLI_ACTOR, {
        orgId: found?.org_id ?? '',
        domainId,
        defaultCountry: values.country,
        consentDefault: values['consent-default'],
      });
    });
    out.print(
      `domain ${domain.id} (${domain.host}): country ${domain.default_country}, consent default ${domain.consent_default}`,
      {
        id: domain.id,
        host: domain.host,
        defaultCountry: domain.default_country,
        consentDefault: domain.consent_default,
      },
    );
    return 0;
  },
};
