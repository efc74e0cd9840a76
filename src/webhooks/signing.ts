/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, the `standardwebhooks` packages verify it):
 * the secret is `whsec_` + base64 of the raw HMAC key; the signed content is `id.timestamp.body` (timestamp in
 * Unix seconds, body byte for byte); `webhook-signature` is `v1,` + base64 HMAC-SHA256, several signatures
 * space-separated (while a rotated secret is still valid, both sign).
 */
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The HMAC key of a secret: the prefix stripped, the rest base64-decoded. */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestampSeconds}.${body}`).digest();
  return `v1,${mac.toString('base64')}`;
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three headers of one attempt; `secrets`: the current one first, then a rotated one still valid. */
export function webhookHeaders(input: {
  id: string;
  timestampSeconds: number;
  body: string;
  secrets: readonly string[];
}): WebhookHeaders {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestampSeconds),
    'webhook-signature': input.secrets
      .map((secret) => sign(secret, input.id, input.timestampSeconds, input.body))
      .join(' '),
  };
}
