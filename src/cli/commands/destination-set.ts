import { DESTINATION_TYPES } from '../../destinations/types.js';
import { ApiError } from '../../errors.js';
import { CLI_ACTOR } from '../../management/audit.js';
import { setDestination } from '../../management/domains/set-destination.js';
import { maskedDestinationConfig } from '../../storage/repos/destinations.js';
import { getDomainById } from '../../storage/repos/domains.js';
import { type Command, required, UsageError } from '../context.js';

export const destinationSet: Command = {
  name: 'destination set',
  usage: `destination set --domain DOMAIN --type TYPE --config JSON   (types: ${DESTINATION_TYPES.join(', ')})`,
  async run({ values, out, withDeps }) {
    const domainId = required(values, 'domain');
    const type = required(values, 'type');
    let config: unknown;
    try {
      config = JSON.parse(required(values, 'config'));
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError('--config must be JSON');
    }
    const result = await withDeps(async (deps) => {
      // The operator names a domain of any org: the use case then runs in that org.
      const domain = await getDomainById(deps.storage.db, domainId);
      if (!domain) throw new ApiError('not_found', `No domain ${domainId}`, { id: domainId });
      const row = await setDestination(deps, CLI_ACTOR, { orgId: domain.org_id, domainId, type, config });
      return { row, masked: maskedDestinationConfig(deps.sealer, row) };
    });
    out.print(`destination ${result.row.id} (${type}) set on ${domainId}`, {
      id: result.row.id,
      domainId,
      type,
      enabled: result.row.enabled === 1,
      status: result.row.status,
      config: result.masked,
    });
    return 0;
  },
};
