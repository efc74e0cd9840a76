/**
 * Rotating an endpoint's signing secret: `POST /v1/org/webhooks/:id/rotate-secret`, `webhook rotate`. The
 * new secret is returned once; the old one keeps signing beside it (two `v1,` signatures in
 * `webhook-signature`) for WEBHOOK_SECRET_GRACE_HOURS, so the receiver can switch without losing a message.
 * Rotating again within the grace period drops the oldest secret.
 */
import { type Actor, auditBy } from '../../storage/repos/audit-log.js';
import {
  getWebhookEndpoint,
  updateWebhookEndpoint,
  type WebhookEndpointRow,
} from '../../storage/repos/webhooks.js';
import { generateWebhookSecret } from '../../webhooks/signing.js';
import { loadEndpoint, type WebhookDeps } from './rules.js';

export async function rotateWebhookSecret(
  deps: WebhookDeps,
  actor: Actor,
  input: { orgId: string; id: string },
): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
  const now = deps.clock.now();
  const secret = generateWebhookSecret();
  const grace = deps.config.webhooks.secretGraceMs;
  const endpoint = await deps.storage.db.transaction().execute(async (trx) => {
    const before = await loadEndpoint(trx, input.orgId, input.id);
    await updateWebhookEndpoint(
      trx,
      input.orgId,
      input.id,
      {
        secret_sealed: deps.sealer.seal(secret, before.id),
        // The sealed value is bound to the endpoint's id, not to its column: it moves as it is.
        previous_secret_sealed: grace > 0 ? before.secret_sealed : null,
        previous_secret_expires_at: grace > 0 ? now + grace : null,
      },
      now,
    );
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'webhook.rotate_secret',
      targetType: 'webhook_endpoint',
      targetId: input.id,
      details: { previousValidUntil: grace > 0 ? new Date(now + grace).toISOString() : null },
      at: now,
    });
    return (await getWebhookEndpoint(trx, input.orgId, input.id)) ?? before;
  });
  return { endpoint, secret };
}
