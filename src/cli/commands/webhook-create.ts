import { CLI_ACTOR } from '../../management/audit.js';
import { createWebhookEndpoint } from '../../management/webhooks/create.js';
import { WEBHOOK_EVENT_TYPE_NAMES } from '../../webhooks/events.js';
import { type Command, required } from '../context.js';

/** `--json` prints exactly `{"id","secret"}`: other tools read it. */
export const webhookCreate: Command = {
  name: 'webhook create',
  usage: `webhook create --org ORG --url URL --events a,b [--description TEXT]
                                           subscribe a URL to event types; prints the signing secret once
                                           (types: ${WEBHOOK_EVENT_TYPE_NAMES.join(', ')})`,
  async run({ values, out, withDeps }) {
    const orgId = required(values, 'org');
    const url = required(values, 'url');
    const events = required(values, 'events')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const created = await withDeps((deps) =>
      createWebhookEndpoint(deps, CLI_ACTOR, {
        orgId,
        url,
        eventTypes: events,
        description: values.description,
      }),
    );
    out.print(
      `created webhook endpoint ${created.endpoint.id} → ${created.endpoint.url} (${created.endpoint.event_types})\n  secret (shown once): ${created.secret}`,
      { id: created.endpoint.id, secret: created.secret },
    );
    return 0;
  },
};
