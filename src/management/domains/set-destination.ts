/**
 * Setting (creating or replacing) a domain's destination of one type: `PUT /v1/domains/:id/destinations/:type`
 * and `tagbridge destination set`. A new configuration clears needs_attention, so a held queue drains.
 */
import type { AppDeps } from '../../app-deps.js';
import { isDestinationType } from '../../destinations/registry.js';
import { DESTINATION_TYPES } from '../../destinations/types.js';
import { ApiError } from '../../errors.js';
import { lockDomain } from '../../storage/repos/domain-admin.js';
import type { DestinationRow } from '../../storage/schema.js';
import { type Actor, auditBy } from '../audit.js';
import { validateAndSaveDestination } from './validate-and-save-destination.js';

export async function setDestination(
  deps: Pick<AppDeps, 'storage' | 'sealer' | 'clock'> & Partial<Pick<AppDeps, 'caches'>>,
  actor: Actor,
  input: { orgId: string; domainId: string; type: string; config: unknown },
): Promise<DestinationRow> {
  const { type, config } = input;
  if (!isDestinationType(type)) {
    throw new ApiError('validation_failed', `type must be one of ${DESTINATION_TYPES.join(', ')}`, {
      field: 'type',
    });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ApiError('validation_failed', 'config must be a JSON object', { field: 'config' });
  }
  const now = deps.clock.now();
  const row = await deps.storage.db.transaction().execute(async (trx) => {
    const domain = await lockDomain(trx, deps.storage.dialect, input.domainId);
    // Another org's domain, a deleted one or garbage: all the same.
    if (!domain || domain.org_id !== input.orgId || domain.status === 'deleted') {
      throw new ApiError('not_found', `No domain ${input.domainId}`, { id: input.domainId });
    }
    const result = await validateAndSaveDestination(trx, deps.sealer, {
      orgId: input.orgId,
      domainId: domain.id,
      type,
      config,
      now,
    });
    if (!result.ok) {
      throw new ApiError('validation_failed', `Invalid ${type} config: ${result.errors.join('; ')}`, {
        field: 'config',
        errors: result.errors,
      });
    }
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'destination.set',
      targetType: 'destination',
      targetId: result.destination.id,
      // Field names only: values may be secrets.
      details: { domainId: domain.id, type, fields: Object.keys(config).sort() },
      at: now,
    });
    return result.destination;
  });
  // Ingest creates deliveries for the destinations in every node's cached domain context.
  await deps.caches?.orgChanged(input.orgId);
  return row;
}
