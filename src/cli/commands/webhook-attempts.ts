import { listEndpointAttempts } from '../../management/webhooks/messages.js';
import { webhookAttemptBody } from '../../management/webhooks/views.js';
import { type Command, required, UsageError } from '../context.js';
import { endpointById } from './webhook-target.js';

export const webhookAttempts: Command = {
  name: 'webhook attempts',
  usage: `webhook attempts --id ENDPOINT [--message MSG] [--limit N]
                                           an endpoint's attempts, newest first`,
  async run({ values, out, withDeps }) {
    const id = required(values, 'id');
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && !Number.isInteger(limit)) throw new UsageError('--limit must be a number');
    const data = await withDeps(async (deps) => {
      const endpoint = await endpointById(deps, id);
      const rows = await listEndpointAttempts(deps, {
        orgId: endpoint.org_id,
        id,
        messageId: values.message,
        limit,
      });
      return rows.map(webhookAttemptBody);
    });
    out.print(
      data.length
        ? data
            .map(
              (a) =>
                `${a.at} ${a.messageId} #${a.attempt} ${a.outcome} ${a.statusCode ?? '-'} ${a.durationMs} ms${a.error ? ` ${a.error}` : ''}`,
            )
            .join('\n')
        : 'no attempts',
      data,
    );
    return 0;
  },
};
