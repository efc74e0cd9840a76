/**
 * API-key domain scoping, in one place: which domain a key may be restricted to when it is created (one of
 * the org's live domains), and which domains a key may read or write when it is used (its own only, when it
 * is restricted). Another org's domain is not_found, never forbidden.
 */
import { ApiError, type ErrorCode } from '../errors.js';
import type { DB } from '../storage/db.js';
import { orgDomainExists } from '../storage/repos/api-events.js';
import { getLiveDomain } from '../storage/repos/domain-admin.js';
import type { ApiKeyAuth } from './keys.js';

/** At creation: the key's domain must be a live domain of the org. */
export async function assertKeyDomain(db: DB, orgId: string, domainId: string): Promise<void> {
  if (!(await getLiveDomain(db, orgId, domainId))) {
    throw new ApiError('not_found', `No domain ${domainId}`, { field: 'domainId' });
  }
}

export interface ScopeViolation {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

/** At use: a key restricted to a domain names another one. Null when the request stays in scope. */
export function domainScopeViolation(
  auth: Pick<ApiKeyAuth, 'domainId'>,
  requested: string | undefined,
  access: 'read' | 'write',
): ScopeViolation | null {
  if (!auth.domainId || requested === undefined || requested === auth.domainId) return null;
  return {
    code: 'forbidden',
    message: `This API key may only ${access === 'read' ? 'read domain' : 'write to domain'} ${auth.domainId}`,
    details: { field: 'domainId', allowed_domain: auth.domainId },
  };
}

/**
 * The domain a read is limited to: the key's own when it is restricted, else the one asked for (if the org
 * has it — deleted domains included, their events stay readable), else every domain (undefined).
 */
export async function readDomainScope(
  db: DB,
  auth: Pick<ApiKeyAuth, 'domainId' | 'orgId'>,
  requested: string | undefined,
): Promise<string | undefined> {
  const violation = domainScopeViolation(auth, requested, 'read');
  if (violation) throw new ApiError(violation.code, violation.message, violation.details);
  if (requested === undefined) return auth.domainId ?? undefined;
  if (!(await orgDomainExists(db, auth.orgId, requested))) {
    throw new ApiError('not_found', `No domain ${requested}`, { field: 'domainId' });
  }
  return requested;
}
