/** An org's webhook endpoints (newest first) and one of them: `GET /v1/org/webhooks[/:id]`, `webhook list`. */
import { ApiError } from '../../errors.js';
import { getOrg } from '../../storage/repos/orgs.js';
import { listWebhookEndpoints, type WebhookEndpointRow } from '../../storage/repos/webhooks.js';
import { loadEndpoint, type WebhookDeps } from './rules.js';

export async function listWebhookEndpointsOfOrg(
  deps: Pick<WebhookDeps, 'storage'>,
  orgId: string,
): Promise<WebhookEndpointRow[]> {
  const { db } = deps.storage;
  if (!(await getOrg(db, orgId))) throw new ApiError('not_found', `No org ${orgId}`, { id: orgId });
  return listWebhookEndpoints(db, orgId);
}

export async function getWebhookEndpointOfOrg(
  deps: Pick<WebhookDeps, 'storage'>,
  input: { orgId: string; id: string },
): Promise<WebhookEndpointRow> {
  return loadEndpoint(deps.storage.db, input.orgId, input.id);
}
