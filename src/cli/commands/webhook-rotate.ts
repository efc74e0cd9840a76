import { CLI_ACTOR } from '../../management/audit.js';
import { rotateWebhookSecret } from '../../management/webhooks/rotate-secret.js';
import { webhookEndpointBody } from '../../management/webhooks/views.js';
import { type Command, required } from '../context.js';
import { endpointById } from './webhook-target.js';

export const webhookRotate: Command = {
  name: 'webhook rotate',
  usage: `webhook rotate --id ENDPOINT             new signing secret (shown once); the old one signs too
                                           for WEBHOOK_SECRET_GRACE_HOURS`,
  async run({ values, out, withDeps }) {
    const id = required(values, 'id');
    const data = await withDeps(async (deps) => {
      const endpoint = await endpointById(deps, id);
      const rotated = await rotateWebhookSecret(deps, CLI_ACTOR, { orgId: endpoint.org_id, id });
      return { ...webhookEndpointBody(rotated.endpoint, deps.clock.now()), secret: rotated.secret };
    });
    out.print(
      `webhook endpoint ${id}: new secret (shown once): ${data.secret}\n  the previous one also signs until ${data.previousSecretValidUntil ?? 'now (no grace period)'}`,
      data,
    );
    return 0;
  },
};
