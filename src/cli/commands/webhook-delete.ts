import { CLI_ACTOR } from '../../management/audit.js';
import { deleteWebhookEndpointOfOrg } from '../../management/webhooks/delete.js';
import { type Command, required } from '../context.js';
import { endpointById } from './webhook-target.js';

export const webhookDelete: Command = {
  name: 'webhook delete',
  usage: 'webhook delete --id ENDPOINT             delete a webhook endpoint with its messages',
  async run({ values, out, withDeps }) {
    const id = required(values, 'id');
    await withDeps(async (deps) => {
      const endpoint = await endpointById(deps, id);
      await deleteWebhookEndpointOfOrg(deps, CLI_ACTOR, { orgId: endpoint.org_id, id });
    });
    out.print(`webhook endpoint ${id} deleted`, { id, deleted: true });
    return 0;
  },
};
