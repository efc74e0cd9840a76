import { listWebhookEndpointsOfOrg } from '../../management/webhooks/list.js';
import { webhookEndpointBody } from '../../management/webhooks/views.js';
import { type Command, required } from '../context.js';

export const webhookList: Command = {
  name: 'webhook list',
  usage: "webhook list --org ORG                   list an org's webhook endpoints",
  async run({ values, out, withDeps }) {
    const orgId = required(values, 'org');
    const data = await withDeps(async (deps) => {
      const now = deps.clock.now();
      return (await listWebhookEndpointsOfOrg(deps, orgId)).map((row) => webhookEndpointBody(row, now));
    });
    out.print(
      data.length
        ? data
            .map(
              (w) =>
                `${w.id} ${w.enabled ? 'enabled' : `disabled${w.disabledReason ? ` (${w.disabledReason})` : ''}`} ${w.url} [${w.eventTypes.join(',')}]`,
            )
            .join('\n')
        : 'no webhook endpoints',
      data,
    );
    return 0;
  },
};
