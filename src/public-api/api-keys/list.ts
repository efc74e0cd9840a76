/** An org's API keys, newest first: `GET /v1/org/api-keys` and `tagbridge apikey list`. */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { type ApiKeyView, listApiKeys } from '../../storage/repos/api-keys.js';
import { getOrg } from '../../storage/repos/orgs.js';

export async function listOrgApiKeys(deps: Pick<AppDeps, 'storage'>, orgId: string): Promise<ApiKeyView[]> {
  const { db } = deps.storage;
  if (!(await getOrg(db, orgId))) throw new ApiError('not_found', `No org ${orgId}`, { id: orgId });
  return listApiKeys(db, orgId);
}
