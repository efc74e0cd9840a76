/**
 * Creating a public API key: `POST /v1/org/api-keys` and `tagbridge apikey create`. The key is returned in
 * cleartext this once; only its hash is stored. A key may be restricted to one of the org's live domains.
 */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import type { ApiKeyView } from '../../storage/repos/api-keys.js';
import { type Actor, auditBy } from '../../storage/repos/audit-log.js';
import { getOrg } from '../../storage/repos/orgs.js';
import { assertKeyDomain } from '../domain-scope.js';
import { DEFAULT_SCOPES, createApiKey as insertKey, isScope, SCOPES, type Scope } from '../keys.js';

export interface CreateApiKeyInput {
  orgId: string;
  name: string;
  /** Default: every scope. */
  scopes?: readonly string[] | undefined;
  domainId?: string | undefined;
  /** ms; default never. */
  expiresAt?: number | null | undefined;
}

export async function createApiKey(
  deps: Pick<AppDeps, 'storage' | 'clock'>,
  actor: Actor,
  input: CreateApiKeyInput,
): Promise<{ key: string; apiKey: ApiKeyView }> {
  const name = input.name.trim();
  if (name === '' || name.length > 100) {
    throw new ApiError('validation_failed', 'name must be 1 to 100 characters', { field: 'name' });
  }
  const scopes = input.scopes ?? DEFAULT_SCOPES;
  if (scopes.length === 0 || !scopes.every(isScope)) {
    throw new ApiError('validation_failed', `scopes must be a non-empty list of ${SCOPES.join(', ')}`, {
      field: 'scopes',
    });
  }
  const now = deps.clock.now();
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt !== null && (Number.isNaN(expiresAt) || expiresAt <= now)) {
    throw new ApiError('validation_failed', 'expiresAt must be in the future', { field: 'expiresAt' });
  }
  return deps.storage.db.transaction().execute(async (trx) => {
    if (!(await getOrg(trx, input.orgId))) {
      throw new ApiError('not_found', `No org ${input.orgId}`, { id: input.orgId });
    }
    if (input.domainId !== undefined) await assertKeyDomain(trx, input.orgId, input.domainId);
    const created = await insertKey(trx, {
      orgId: input.orgId,
      domainId: input.domainId ?? null,
      name,
      scopes: [...new Set(scopes as readonly Scope[])],
      // `cli` for keys an operator made, else the user's id.
      createdBy: actor.id,
      expiresAt,
      now,
    });
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: created.apiKey.id,
      details: {
        name: created.apiKey.name,
        prefix: created.apiKey.prefix,
        scopes: created.apiKey.scopes,
        domainId: created.apiKey.domainId,
      },
      at: now,
    });
    return created;
  });
}
