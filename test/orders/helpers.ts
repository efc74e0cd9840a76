/** What the order tests share: destinations the fakes accept, the samples, signing as the shops sign. */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DestinationType } from '../../src/destinations/types.js';

export const GOOD: Record<string, Record<string, unknown>> = {
  meta: { pixelId: '1234567890', accessToken: 'meta-good-token' },
  tiktok: { pixelCode: 'CABC1234567', accessToken: 'tiktok-good-token' },
  pinterest: { adAccountId: '549755885175', accessToken: 'pinterest-good-token' },
  snapchat: { pixelId: '0a1b2c3d-0000-4000-8000-000000000001', accessToken: 'snap-good-token' },
  reddit: { pixelId: 't2_abc123', accessToken: 'reddit-good-token' },
};
export const TYPES = Object.keys(GOOD) as DestinationType[];

/** The fields of a platform event these tests read (Meta's and TikTok's names). */
export interface Sent {
  event_id?: string;
  event_name?: string;
  custom_data: Record<string, unknown>;
  user_data: Record<string, string>;
  user: Record<string, unknown>;
}

const SAMPLES = new URL('../fixtures/samples/', import.meta.url);
export const wooSample = JSON.parse(readFileSync(new URL('woocommerce/order.json', SAMPLES), 'utf8'));
export const shopifySample = JSON.parse(readFileSync(new URL('shopify/order.json', SAMPLES), 'utf8')).order;

export const iso = (ms: number, zone = true): string =>
  new Date(ms).toISOString().replace(/\.\d{3}Z$/, zone ? 'Z' : '');
export const sign = (secret: string, body: string): string =>
  createHmac('sha256', secret).update(body, 'utf8').digest('base64');

/** The WooCommerce sample as a live order (WooCommerce's PHP JSON: `/` escaped as `\/`). */
export function wooOrder(
  id: number,
  status: string,
  modifiedAt: number,
  extra: Record<string, unknown> = {},
): string {
  const placed = modifiedAt - 60_000;
  const order = {
    ...wooSample,
    id,
    status,
    customer_ip_address: '203.0.113.7',
    customer_user_agent: 'Mozilla/5.0 (Macintosh) Safari/605.1.15',
    date_created_gmt: iso(placed, false),
    date_modified_gmt: iso(modifiedAt, false),
    date_paid_gmt: status === 'pending' ? null : iso(modifiedAt, false),
    meta_data: [
      ...wooSample.meta_data,
      { id: 1, key: '_fbp', value: 'fb.1.1700000000000.1234567890' },
      {
        id: 2,
        key: '_wc_order_attribution_session_entry',
        value: 'https://shop.example.com/?gclid=Cj0KCQ-test-gclid-123&ttclid=E.C.P.abc',
      },
    ],
    ...extra,
  };
  return JSON.stringify(order).replaceAll('/', '\\/');
}
