/** One of the org's live domains, or `not_found` (another org's id, a deleted domain and garbage alike). */
import { ApiError } from '../errors.js';
import type { DB } from '../storage/db.js';
import { getLiveDomain } from '../storage/repos/domain-admin.js';
import type { Domain } from '../storage/schema.js';

export async function requireLiveDomain(db: DB, orgId: string, domainId: string): Promise<Domain> {
  const domain = await getLiveDomain(db, orgId, domainId);
  if (!domain) throw new ApiError('not_found', `No domain ${domainId}`, { id: domainId });
  return domain;
}
