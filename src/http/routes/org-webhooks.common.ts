/** What the webhook routes share: the `:id` parameter and the role (owner or admin manage webhooks). */
import { Type } from 'typebox';

export const WebhookParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The endpoint id (whe_…).' }),
});

export const WebhookMessageParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The endpoint id (whe_…).' }),
  messageId: Type.String({ minLength: 1, maxLength: 100, description: 'The message id (msg_…).' }),
});

export const WEBHOOK_ROLE = 'admin' as const;
