/** The operator names an endpoint of any org by its id; the action then runs in that org. */
import { ApiError } from '../../errors.js';
import { getWebhookEndpoint, type WebhookEndpointRow } from '../../storage/repos/webhooks.js';
import type { OperatorDeps } from '../context.js';

export async function endpointById(deps: OperatorDeps, id: string): Promise<WebhookEndpointRow> {
  const found = await getWebhookEndpoint(deps.storage.db, null, id);
  if (!found) throw new ApiError('not_found', `No webhook endpoint ${id}`, { id });
  return found;
}
