import { CLI_ACTOR } from '../../management/audit.js';
import { sendWebhookTest } from '../../management/webhooks/send-test.js';
import { webhookMessageBody } from '../../management/webhooks/views.js';
import { type Command, required } from '../context.js';
import { endpointById } from './webhook-target.js';

export const webhookTest: Command = {
  name: 'webhook test',
  usage: 'webhook test --id ENDPOINT               queue a webhook.ping for the endpoint',
  async run({ values, out, withDeps }) {
    const id = required(values, 'id');
    const data = await withDeps(async (deps) => {
      const endpoint = await endpointById(deps, id);
      return webhookMessageBody(await sendWebhookTest(deps, CLI_ACTOR, { orgId: endpoint.org_id, id }));
    });
    out.print(`queued ${data.id} (webhook.ping)`, data);
    return 0;
  },
};
