import { ApiError } from '../../errors.js';
import { CLI_ACTOR } from '../../management/audit.js';
import { replayDeliveries } from '../../management/events/replay.js';
import { getDeliveryById } from '../../storage/repos/deliveries.js';
import { getDomainById } from '../../storage/repos/domains.js';
import { type Command, UsageError } from '../context.js';

export const deliveriesReplay: Command = {
  name: 'deliveries replay',
  usage: `deliveries replay --id DELIVERY | --domain DOMAIN
                                           send failed or dead deliveries again (same rules as the API)`,
  async run({ values, out, withDeps }) {
    const { id, domain: domainId } = values;
    if (!id && !domainId) throw new UsageError('--id or --domain is required');
    const result = await withDeps(async (deps) => {
      // The operator names a delivery or a domain of any org; the replay then runs in that org (both given:
      // they must be of one org, or the delivery is not found there).
      const { db } = deps.storage;
      let orgId: string | undefined;
      if (id) {
        orgId = (await getDeliveryById(db, id))?.org_id;
        if (!orgId) throw new ApiError('not_found', `No such id: ${id}`, { ids: [id] });
      }
      if (domainId && !orgId) {
        orgId = (await getDomainById(db, domainId))?.org_id;
        if (!orgId) throw new ApiError('not_found', `No domain ${domainId}`, { id: domainId });
      }
      return replayDeliveries(deps, CLI_ACTOR, {
        orgId: orgId as string,
        ...(id ? { deliveryIds: [id] } : {}),
        ...(domainId ? { filters: { domainId } } : {}),
      });
    });
    out.print(
      `replayed ${result.replayed} deliveries${result.unavailable ? `; ${result.unavailable} could not be (personal data already erased, or destination removed)` : ''}`,
      { replayed: result.replayed, unavailable: result.unavailable },
    );
    return 0;
  },
};
