/**
 * Reading a shop webhook: its signature over the raw bytes (never a re-serialized body: WooCommerce's PHP
 * JSON escapes `/`, so `JSON.stringify(JSON.parse(body))` differs from what was signed), and its JSON
 * without losing Shopify's ids above 2^53 (lossless-json keeps them as text).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isSafeNumber, parse } from 'lossless-json';

/** `base64(HMAC-SHA256(secret, raw body))` — WooCommerce's `X-WC-Webhook-Signature`, Shopify's `X-Shopify-Hmac-Sha256`. */
export function shopSignature(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** Whether `header` is the signature of `body` under one of `secrets`, compared in constant time. */
export function verifyShopSignature(
  body: Buffer,
  header: string | undefined,
  secrets: readonly string[],
): boolean {
  if (!header) return false;
  const text = header.trim();
  const given = Buffer.from(text, 'base64');
  // A SHA-256 digest is 32 bytes; anything else cannot match (and timingSafeEqual needs equal lengths).
  // Node's decoder skips characters that are not base64: only the digest's own encoding is taken (as
  // Shopify's library compares the strings), not the right digest with stray characters in it.
  if (given.length !== 32 || given.toString('base64') !== text) return false;
  let match = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(body).digest();
    // Every secret is compared, so the time taken does not tell which one (or whether any) matched.
    if (timingSafeEqual(given, expected)) match = true;
  }
  return match;
}

/** JSON with integers beyond 2^53 kept as their decimal text; throws SyntaxError on malformed JSON. */
export function parseLossless(text: string): unknown {
  return parse(text, null, (value: string) => (isSafeNumber(value) ? Number(value) : value));
}
