import { CLI_ACTOR } from '../../management/audit.js';
import { resendWebhookMessageOfOrg } from '../../management/webhooks/resend.js';
import { webhookMessageBody } from '../../management/webhooks/views.js';
import { type Command, required } from '../context.js';
import { endpointById } from './webhook-target.js';

export const webhookResend: Command = {
  name: 'webhook resend',
  usage: 'webhook resend --id ENDPOINT --message MSG   send a message again now (same id and body)',
  async run({ values, out, withDeps }) {
    const id = required(values, 'id');
    const messageId = required(values, 'message');
    const data = await withDeps(async (deps) => {
      const endpoint = await endpointById(deps, id);
      return webhookMessageBody(
        await resendWebhookMessageOfOrg(deps, CLI_ACTOR, { orgId: endpoint.org_id, id, messageId }),
      );
    });
    out.print(`message ${messageId} is due now (a running worker sends it)`, data);
    return 0;
  },
};
