/**
 * Replaying failed or dead deliveries: `POST /v1/org/events/replay` and `tagbridge deliveries replay`.
 * One set of rules: only the org's own deliveries (another org's ids are not_found), only events that can
 * still be rebuilt (`canRebuildEvent`) to destinations that still exist, a fresh retry horizon from config,
 * an audit entry, and this process's worker woken (a worker elsewhere finds them on its next poll).
 */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { orgDomainExists } from '../../storage/repos/api-events.js';
import { foreignIds, type ReplayResult, replayOrgDeliveries } from '../../storage/repos/event-log.js';
import { type Actor, auditBy } from '../audit.js';
import { type FilterInput, toFilter } from './views.js';

export interface ReplayInput {
  orgId: string;
  deliveryIds?: string[] | undefined;
  eventIds?: string[] | undefined;
  /** The event log's filters ({} selects every failed or dead delivery of the org). */
  filters?: (FilterInput & { outcome?: 'failed' | 'dead' | undefined }) | undefined;
}

export async function replayDeliveries(
  deps: Pick<AppDeps, 'storage' | 'clock' | 'config'> & Partial<Pick<AppDeps, 'wakeDelivery'>>,
  actor: Actor,
  input: ReplayInput,
): Promise<ReplayResult> {
  const { orgId, deliveryIds, eventIds, filters } = input;
  if (!deliveryIds && !eventIds && !filters) {
    throw new ApiError('validation_failed', 'Give deliveryIds, eventIds or filters ({} for all)', {
      field: '(body)',
      reason: 'nothing selected',
    });
  }
  const { db } = deps.storage;
  const foreign = [
    ...(deliveryIds ? await foreignIds(db, orgId, 'deliveries', deliveryIds) : []),
    ...(eventIds ? await foreignIds(db, orgId, 'events', eventIds) : []),
  ];
  if (foreign.length > 0) {
    throw new ApiError(
      'not_found',
      `No such ${foreign.length === 1 ? 'id' : 'ids'}: ${foreign.slice(0, 5).join(', ')}`,
      { ids: foreign },
    );
  }
  // Deleted domains keep their events (and may be replayed from), as long as they are the org's.
  if (filters?.domainId && !(await orgDomainExists(db, orgId, filters.domainId))) {
    throw new ApiError('not_found', `No domain ${filters.domainId}`, { id: filters.domainId });
  }
  const filter = toFilter(orgId, filters ?? {});
  const now = deps.clock.now();
  const result = await db.transaction().execute(async (trx) => {
    const replay = await replayOrgDeliveries(trx, {
      filter,
      ...(deliveryIds ? { deliveryIds } : {}),
      ...(eventIds ? { eventIds } : {}),
      now,
      retryHorizonMs: deps.config.delivery.retryHorizonMs,
    });
    await auditBy(trx, actor, {
      orgId,
      action: 'events.replay',
      targetType: 'org',
      targetId: orgId,
      details: {
        ...replay,
        filters: filters ?? null,
        deliveryIds: deliveryIds?.length ?? 0,
        eventIds: eventIds?.length ?? 0,
      },
      at: now,
    });
    return replay;
  });
  if (result.replayed > 0) deps.wakeDelivery?.();
  return result;
}
