/**
 * Receiving a shop's order webhook (`POST /v1/webhooks/woocommerce|shopify/:domainId`): verified, then
 * stored durably — body sealed — before it is answered, and processed afterwards from the inbox
 * (process-webhook.ts). A shop retries on any non-2xx answer, so every refusal here is for a webhook that
 * can never be taken (unknown domain, wrong signature, not JSON); anything we cannot do *now* fails later,
 * in processing, where retrying is ours.
 */
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import { newId } from '../lib/ids.js';
import { getDomainById } from '../storage/repos/domains.js';
import { insertShopWebhook } from '../storage/repos/orders.js';
import type { ShopPlatform } from './shop-order.js';
import { parseLossless, verifyShopSignature } from './webhook-body.js';
import { verifyingSecrets } from './webhook-secrets.js';

/** Topics that change an order (others are answered and ignored: the shop must not retry them). */
export const HANDLED_TOPICS: Readonly<Record<ShopPlatform, readonly string[]>> = {
  woocommerce: ['order.created', 'order.updated', 'order.deleted', 'order.restored'],
  shopify: [
    'orders/create',
    'orders/paid',
    'orders/updated',
    'orders/cancelled',
    'orders/fulfilled',
    'orders/partially_fulfilled',
    'refunds/create',
  ],
};

export interface ReceivedWebhook {
  platform: ShopPlatform;
  domainId: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  contentType: string | undefined;
}

export type ReceiveResult =
  | { kind: 'ping' }
  | { kind: 'stored'; id: string }
  | { kind: 'duplicate' }
  | { kind: 'ignored'; topic: string };

const header = (headers: ReceivedWebhook['headers'], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * WooCommerce's ping when a webhook is created: `webhook_id=N`, form-encoded, unsigned, no `X-WC-*`
 * headers. It must get a 200 or WooCommerce refuses to activate the webhook. It carries nothing to store.
 */
function isWooCommercePing(input: ReceivedWebhook): boolean {
  if (header(input.headers, 'x-wc-webhook-signature') !== undefined) return false;
  return /^webhook_id=\d+$/.test(input.body.toString('utf8').trim());
}

/** Which headers carry what, per platform. */
const HEADERS: Readonly<Record<ShopPlatform, { signature: string; topic: string; delivery: string }>> = {
  woocommerce: {
    signature: 'x-wc-webhook-signature',
    topic: 'x-wc-webhook-topic',
    delivery: 'x-wc-webhook-delivery-id',
  },
  shopify: { signature: 'x-shopify-hmac-sha256', topic: 'x-shopify-topic', delivery: 'x-shopify-webhook-id' },
};

export async function receiveShopWebhook(
  deps: Pick<AppDeps, 'storage' | 'sealer' | 'clock'> & Partial<Pick<AppDeps, 'wakeOrders'>>,
  input: ReceivedWebhook,
): Promise<ReceiveResult> {
  const domain = await getDomainById(deps.storage.db, input.domainId);
  if (!domain || domain.status === 'deleted') {
    throw new ApiError('not_found', `No domain ${input.domainId}`, { id: input.domainId });
  }
  if (input.platform === 'woocommerce' && isWooCommercePing(input)) return { kind: 'ping' };

  const names = HEADERS[input.platform];
  const secrets = await verifyingSecrets(deps, domain.id, input.platform);
  if (secrets.length === 0) {
    throw new ApiError(
      'unauthenticated',
      `No ${input.platform} webhook secret is set for this domain (tagbridge shop-webhook secret)`,
      { domain_id: domain.id, platform: input.platform },
    );
  }
  if (!verifyShopSignature(input.body, header(input.headers, names.signature), secrets)) {
    throw new ApiError('unauthenticated', `The ${names.signature} signature does not match the body`, {
      header: names.signature,
    });
  }

  const topic = header(input.headers, names.topic)?.trim().toLowerCase() ?? '';
  let body: unknown;
  try {
    body = parseLossless(input.body.toString('utf8'));
  } catch {
    throw new ApiError('invalid_payload', 'The webhook body is not JSON', { field: '(body)' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('invalid_payload', 'The webhook body is not a JSON object', { field: '(body)' });
  }

  const now = deps.clock.now();
  const handled = HANDLED_TOPICS[input.platform].includes(topic);
  const id = newId('swh', now);
  const deliveryKey = header(input.headers, names.delivery)?.trim().slice(0, 200) || null;
  const stored = await insertShopWebhook(deps.storage.db, {
    id,
    org_id: domain.org_id,
    domain_id: domain.id,
    platform: input.platform,
    topic: topic || '(none)',
    delivery_key: deliveryKey,
    // The raw bytes as text, sealed: processing reads them losslessly again.
    body_sealed: handled ? deps.sealer.seal(input.body.toString('utf8'), id) : null,
    received_at: now,
    status: handled ? 'pending' : 'ignored',
    next_attempt_at: now,
    lease_owner: null,
    lease_expires_at: null,
    result: handled ? null : `topic ${topic || '(none)'} is not an order topic`,
    processed_at: handled ? null : now,
  });
  if (!stored) return { kind: 'duplicate' };
  if (!handled) return { kind: 'ignored', topic };
  deps.wakeOrders?.();
  return { kind: 'stored', id };
}
