import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PAID_STATUSES, isPaid, paidStatusesOf } from './paid-statuses.js';
import type { ShopOrder } from './shop-order.js';

const order = (fields: Partial<ShopOrder> & Pick<ShopOrder, 'platform' | 'status'>): ShopOrder => ({
  orderId: '1',
  cancelled: false,
  test: false,
  orderedAt: 0,
  modifiedAt: 0,
  userData: {},
  contents: [],
  refunds: [],
  ...fields,
});
const refund = { id: 'r1', amount: 5, at: 0 };

describe('paidStatusesOf', () => {
  it('no column: the defaults per platform', () => {
    const statuses = paidStatusesOf(null);
    assert.deepEqual([...statuses.woocommerce], ['processing', 'completed']);
    assert.deepEqual([...statuses.shopify], ['paid', 'partially_refunded', 'refunded']);
    assert.equal(paidStatusesOf(''), DEFAULT_PAID_STATUSES);
  });

  it('a column naming one platform overrides that one only', () => {
    const statuses = paidStatusesOf('{"woocommerce":["completed"]}');
    assert.deepEqual(statuses.woocommerce, ['completed']);
    assert.equal(statuses.shopify, DEFAULT_PAID_STATUSES.shopify);
    const shopify = paidStatusesOf('{"shopify":["authorized","paid"]}');
    assert.equal(shopify.woocommerce, DEFAULT_PAID_STATUSES.woocommerce);
    assert.deepEqual(shopify.shopify, ['authorized', 'paid']);
  });

  it('malformed JSON, or JSON that is no object, gives the defaults', () => {
    for (const column of ['{"woocommerce":', 'not json', 'null', '5', '[]']) {
      assert.deepEqual(paidStatusesOf(column), DEFAULT_PAID_STATUSES, column);
    }
  });
});

describe('isPaid', () => {
  const defaults = DEFAULT_PAID_STATUSES;

  it('WooCommerce: processing and completed are paid by default; pending, on-hold are not', () => {
    assert.equal(isPaid(order({ platform: 'woocommerce', status: 'processing' }), defaults), true);
    assert.equal(isPaid(order({ platform: 'woocommerce', status: 'completed' }), defaults), true);
    assert.equal(isPaid(order({ platform: 'woocommerce', status: 'pending' }), defaults), false);
    assert.equal(isPaid(order({ platform: 'woocommerce', status: 'on-hold', paidAt: 5 }), defaults), false);
  });

  it('the domain’s list decides: on-hold paid, processing no longer', () => {
    const statuses = paidStatusesOf('{"woocommerce":["on-hold","completed"]}');
    assert.equal(isPaid(order({ platform: 'woocommerce', status: 'on-hold' }), statuses), true);
    assert.equal(isPaid(order({ platform: 'woocommerce', status: 'processing' }), statuses), false);
    // Shopify keeps its defaults.
    assert.equal(isPaid(order({ platform: 'shopify', status: 'paid' }), statuses), true);
  });

  it('WooCommerce refunded: paid when it has a paid date (paid before the refund), not without', () => {
    assert.equal(
      isPaid(order({ platform: 'woocommerce', status: 'refunded', paidAt: 1000 }), defaults),
      true,
    );
    assert.equal(isPaid(order({ platform: 'woocommerce', status: 'refunded' }), defaults), false);
    // Even when the domain narrowed its list.
    const narrow = paidStatusesOf('{"woocommerce":["completed"]}');
    assert.equal(isPaid(order({ platform: 'woocommerce', status: 'refunded', paidAt: 1 }), narrow), true);
  });

  it('a Shopify refunded status is not read as WooCommerce’s paid-date rule', () => {
    const none = paidStatusesOf('{"shopify":["paid"]}');
    assert.equal(isPaid(order({ platform: 'shopify', status: 'refunded', paidAt: 1 }), none), false);
  });

  it('Shopify: paid and the refunded states by default; pending, authorized are not', () => {
    for (const status of ['paid', 'partially_refunded', 'refunded'])
      assert.equal(isPaid(order({ platform: 'shopify', status }), defaults), true, status);
    for (const status of ['pending', 'authorized', 'partially_paid', 'voided'])
      assert.equal(isPaid(order({ platform: 'shopify', status }), defaults), false, status);
  });

  it('test orders are never paid', () => {
    assert.equal(isPaid(order({ platform: 'shopify', status: 'paid', test: true }), defaults), false);
    assert.equal(
      isPaid(order({ platform: 'woocommerce', status: 'refunded', paidAt: 1, test: true }), defaults),
      false,
    );
  });

  it('a cancelled Shopify order is not paid, unless it was refunded (paid, then given back)', () => {
    assert.equal(isPaid(order({ platform: 'shopify', status: 'paid', cancelled: true }), defaults), false);
    assert.equal(isPaid(order({ platform: 'shopify', status: 'voided', cancelled: true }), defaults), false);
    assert.equal(
      isPaid(
        order({ platform: 'shopify', status: 'refunded', cancelled: true, refunds: [refund] }),
        defaults,
      ),
      true,
    );
  });

  it('a cancelled WooCommerce order is not paid even if the domain lists its status', () => {
    const statuses = paidStatusesOf('{"woocommerce":["processing","completed","on-hold"]}');
    assert.equal(
      isPaid(order({ platform: 'woocommerce', status: 'on-hold', cancelled: true }), statuses),
      false,
    );
  });
});
