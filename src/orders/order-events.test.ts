import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  purchaseEvent,
  purchaseEventId,
  REFUND_EVENT_NAME,
  refundEvent,
  refundEventId,
} from './order-events.js';
import type { ShopOrder } from './shop-order.js';

const ORDERED = Date.UTC(2024, 4, 1, 10, 0, 0, 500);
const PAID = ORDERED + 3 * 86_400_000;
const NOW = PAID + 3_600_000;

const base: ShopOrder = {
  platform: 'woocommerce',
  orderId: '727',
  orderNumber: '727',
  status: 'processing',
  cancelled: false,
  test: false,
  currency: 'USD',
  total: 29.35,
  tax: 1.35,
  shipping: 10,
  orderedAt: ORDERED,
  paidAt: PAID,
  modifiedAt: PAID,
  userData: { email: 'john.doe@example.com', fbp: 'fb.1.1700000000000.1234567890' },
  landingUrl: 'https://shop.example.com/?gclid=abc',
  contents: [
    { id: '93', quantity: 2, price: 3 },
    { id: '23', quantity: 1, price: 12 },
    { id: '7', price: 1 },
  ],
  refunds: [],
};

describe('purchaseEvent', () => {
  it('is the Purchase with the id the pixel and plugin use, dated when paid (seconds)', () => {
    const event = purchaseEvent(base, NOW);
    assert.equal(event.eventName, 'Purchase');
    assert.equal(event.eventId, 'purchase_727');
    assert.equal(purchaseEventId('820982911946154508'), 'purchase_820982911946154508');
    assert.equal(event.eventTime, Math.floor(PAID / 1000));
    assert.equal(event.eventSourceUrl, 'https://shop.example.com/?gclid=abc');
    assert.deepEqual(event.userData, base.userData);
  });

  it('carries value, currency, contents, numItems (no quantity counts 1), tax, shipping, orderId', () => {
    assert.deepEqual(purchaseEvent(base, NOW).customData, {
      orderId: '727',
      contents: base.contents,
      value: 29.35,
      currency: 'USD',
      numItems: 4,
      tax: 1.35,
      shipping: 10,
    });
  });

  it('without a paid time: dated when ordered', () => {
    assert.equal(purchaseEvent({ ...base, paidAt: undefined }, NOW).eventTime, Math.floor(ORDERED / 1000));
  });

  it('never in the future (a shop clock ahead of ours)', () => {
    assert.equal(purchaseEvent({ ...base, paidAt: NOW + 600_000 }, NOW).eventTime, Math.floor(NOW / 1000));
    assert.equal(
      purchaseEvent({ ...base, paidAt: undefined, orderedAt: NOW + 1 }, NOW).eventTime,
      Math.floor(NOW / 1000),
    );
  });

  it('leaves out what the order lacks', () => {
    const bare = purchaseEvent(
      {
        ...base,
        currency: undefined,
        total: undefined,
        tax: undefined,
        shipping: undefined,
        landingUrl: undefined,
        contents: [],
      },
      NOW,
    );
    assert.deepEqual(bare.customData, { orderId: '727', contents: [] });
    assert.equal('eventSourceUrl' in bare, false);
  });

  it('cuts the landing URL to 2048 characters', () => {
    const long = `https://shop.example.com/?q=${'x'.repeat(3000)}`;
    const url = purchaseEvent({ ...base, landingUrl: long }, NOW).eventSourceUrl;
    assert.equal(url?.length, 2048);
    assert.ok(long.startsWith(url ?? '-'));
  });
});

describe('refundEvent', () => {
  const refund = { id: '801', amount: 5, at: PAID + 1000 };

  it('is a Custom "Refund" with its own id, the refunded value and the order id', () => {
    const event = refundEvent(base, refund, NOW);
    assert.equal(event.eventName, 'Custom');
    assert.equal(event.customEventName, 'Refund');
    assert.equal(REFUND_EVENT_NAME, 'Refund');
    assert.equal(event.eventId, 'refund_727_801');
    assert.equal(refundEventId('727', '801'), 'refund_727_801');
    assert.equal(event.eventTime, Math.floor((PAID + 1000) / 1000));
    assert.deepEqual(event.customData, { orderId: '727', value: 5, currency: 'USD' });
    assert.deepEqual(event.userData, base.userData);
  });

  it('never in the future; no currency when the order has none', () => {
    const event = refundEvent({ ...base, currency: undefined }, { ...refund, at: NOW + 5000 }, NOW);
    assert.equal(event.eventTime, Math.floor(NOW / 1000));
    assert.deepEqual(event.customData, { orderId: '727', value: 5 });
  });
});
