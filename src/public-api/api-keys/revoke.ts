/**
 * Revoking an API key: `DELETE /v1/org/api-keys/:id` and `tagbridge apikey revoke`. Effective at once on every
 * node (keys are looked up per request); revoking twice keeps the first time and audits once.
 */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { type ApiKeyView, getApiKey, revokeApiKey as revokeRow } from '../../storage/repos/api-keys.js';
import { type Actor, auditBy } from '../../storage/repos/audit-log.js';

export async function revokeApiKey(
  deps: Pick<AppDeps, 'storage' | 'clock'>,
  actor: Actor,
  input: { orgId: string; id: string },
): Promise<ApiKeyView> {
  const { orgId, id } = input;
  const now = deps.clock.now();
  const revoked = await deps.storage.db.transaction().execute(async (trx) => {
    const existing = await getApiKey(trx, orgId, id);
    if (!existing) return undefined;
    const key = await revokeRow(trx, orgId, id, now);
    if (existing.revokedAt === null) {
      await auditBy(trx, actor, {
        orgId,
        action: 'api_key.revoke',
        targetType: 'api_key',
        targetId: id,
        details: { name: existing.name, prefix: existing.prefix },
        at: now,
      });
    }
    return key;
  });
  if (!revoked) throw new ApiError('not_found', `No API key ${id}`);
  return revoked;
}
