import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readShopifyOrder, readShopifyRefund, refundAmount, shopifyRefundOrderId } from './shopify.js';
import { parseLossless } from './webhook-body.js';

const sampleText = readFileSync(
  new URL('../../test/fixtures/samples/shopify/order.json', import.meta.url),
  'utf8',
);
const wrapped = JSON.parse(sampleText) as { order: Record<string, unknown> };
const sample = wrapped.order;
const withFields = (extra: Record<string, unknown>) => ({ ...sample, ...extra });
const read = (body: unknown) => {
  const order = readShopifyOrder(body);
  assert.ok(order, 'expected an order');
  return order;
};
const BIG = '820982911946154508';

describe('readShopifyOrder: the documented sample', () => {
  const order = read(sample);

  it('reads identity, status, money and times', () => {
    assert.equal(order.platform, 'shopify');
    assert.equal(order.orderId, '450789469');
    assert.equal(order.orderNumber, '#1001');
    assert.equal(order.status, 'authorized');
    assert.equal(order.cancelled, false);
    assert.equal(order.test, false);
    assert.equal(order.currency, 'USD');
    assert.equal(order.total, 409.94);
    assert.equal(order.tax, 11.94);
    // No total_shipping_price_set in the sample: the shipping lines' prices ("0.00").
    assert.equal(order.shipping, 0);
    assert.equal(order.orderedAt, Date.UTC(2008, 0, 10, 16, 0, 0));
    assert.equal(order.modifiedAt, Date.UTC(2008, 0, 10, 16, 0, 0));
    assert.equal(order.paidAt, undefined);
    assert.deepEqual(order.refunds, []);
  });

  it('buyer: order email, billing address (codes over names), customer id, client IP', () => {
    assert.deepEqual(order.userData, {
      email: 'bob.norman@hostmail.com',
      phone: '555-625-1199',
      firstName: 'Bob',
      lastName: 'Norman',
      city: 'Louisville',
      state: 'KY',
      zip: '40202',
      country: 'US',
      externalId: '207119551',
      ipAddress: '0.0.0.0',
    });
  });

  it('line items: the variant id, quantity, unit price, name; an absolute landing_site is kept', () => {
    assert.deepEqual(order.contents, [
      { id: '39072856', quantity: 1, price: 199, name: 'IPod Nano - 8gb - green' },
      { id: '49148385', quantity: 1, price: 199, name: 'IPod Nano - 8gb - red' },
      { id: '457924702', quantity: 1, price: 199, name: 'IPod Nano - 8gb - black' },
    ]);
    assert.equal(order.landingUrl, 'http://www.example.com?source=abc');
  });

  it('the REST {"order": …} wrapper reads the same as the bare webhook body', () => {
    assert.deepEqual(read(wrapped), order);
    assert.deepEqual(read(parseLossless(sampleText)), order);
  });

  it('bodies that are not orders give null', () => {
    for (const body of [null, 'x', [], {}, { order: {} }, { order: null }, { id: 0 }]) {
      assert.equal(readShopifyOrder(body), null, JSON.stringify(body));
    }
  });
});

describe('readShopifyOrder: ids above 2^53 (read losslessly)', () => {
  const text = JSON.stringify(withFields({ id: 0, line_items: [] }))
    .replace('"id":0', `"id":${BIG}`)
    .replace(
      '"line_items":[]',
      `"line_items":[{"id":1,"variant_id":${BIG.slice(0, -1)}9,"product_id":${BIG.slice(0, -1)}7,"quantity":2,"price":"10.00"},` +
        `{"id":2,"variant_id":null,"product_id":${BIG.slice(0, -1)}7,"quantity":1,"price":"3.50"}]`,
    );

  it('keep every digit in orderId and in line-item ids', () => {
    const order = read(parseLossless(text));
    assert.equal(order.orderId, BIG);
    assert.deepEqual(order.contents, [
      { id: '820982911946154509', quantity: 2, price: 10 },
      { id: '820982911946154507', quantity: 1, price: 3.5 },
    ]);
  });

  it('(JSON.parse would have lost them: what the lossless parser is for)', () => {
    assert.notEqual(read(JSON.parse(text)).orderId, BIG);
  });
});

describe('readShopifyOrder: state', () => {
  it('financial_status is the status; missing → pending', () => {
    assert.equal(read(withFields({ financial_status: 'paid' })).status, 'paid');
    assert.equal(read(withFields({ financial_status: null })).status, 'pending');
  });

  it('cancelled_at makes it cancelled', () => {
    assert.equal(read(withFields({ cancelled_at: '2008-01-11T10:00:00-05:00' })).cancelled, true);
    assert.equal(read(withFields({ cancelled_at: null })).cancelled, false);
  });

  it('test: true is a test order (only the boolean true)', () => {
    assert.equal(read(withFields({ test: true })).test, true);
    assert.equal(read(withFields({ test: 'false' })).test, false);
  });

  it('processed_at is the paid time', () => {
    assert.equal(
      read(withFields({ processed_at: '2008-01-10T12:30:00-05:00' })).paidAt,
      Date.UTC(2008, 0, 10, 17, 30),
    );
  });

  it('refunds on the order are read with their successful transactions', () => {
    const order = read(
      withFields({
        refunds: [
          {
            id: 509562969,
            created_at: '2008-01-12T10:00:00-05:00',
            transactions: [{ kind: 'refund', status: 'success', amount: '41.94' }],
          },
          { id: 509562970, transactions: [{ kind: 'refund', status: 'failure', amount: '5.00' }] },
        ],
      }),
    );
    assert.deepEqual(order.refunds, [
      { id: '509562969', amount: 41.94, at: Date.UTC(2008, 0, 12, 15, 0, 0) },
    ]);
  });
});

describe('readShopifyOrder: buyer data fallbacks', () => {
  it('without an order email or billing address: contact_email, customer, shipping address', () => {
    const order = read(
      withFields({
        email: null,
        contact_email: null,
        phone: null,
        billing_address: null,
        customer: {
          id: 42,
          email: 'c@example.com',
          phone: '+15551234567',
          first_name: 'Cee',
          last_name: 'Dee',
        },
        shipping_address: { city: 'Ottawa', province_code: 'ON', zip: 'K1A 0B1', country_code: 'CA' },
      }),
    );
    assert.equal(order.userData.email, 'c@example.com');
    assert.equal(order.userData.phone, '+15551234567');
    assert.equal(order.userData.firstName, 'Cee');
    assert.equal(order.userData.lastName, 'Dee');
    assert.equal(order.userData.city, 'Ottawa');
    assert.equal(order.userData.state, 'ON');
    assert.equal(order.userData.zip, 'K1A 0B1');
    assert.equal(order.userData.country, 'CA');
    assert.equal(order.userData.externalId, '42');
  });

  it('contact_email before the customer’s; no customer → no externalId', () => {
    const order = read(withFields({ email: '', contact_email: 'contact@example.com', customer: null }));
    assert.equal(order.userData.email, 'contact@example.com');
    assert.equal(order.userData.externalId, undefined);
  });

  it('browser_ip wins over client_details.browser_ip; the user agent is client_details.user_agent', () => {
    const order = read(
      withFields({
        browser_ip: '198.51.100.23',
        client_details: { browser_ip: '203.0.113.9', user_agent: 'Mozilla/5.0 (iPhone) Mobile Safari' },
      }),
    );
    assert.equal(order.userData.ipAddress, '198.51.100.23');
    assert.equal(order.userData.userAgent, 'Mozilla/5.0 (iPhone) Mobile Safari');
  });
});

describe('readShopifyOrder: click ids', () => {
  const created = Date.UTC(2008, 0, 10, 16, 0, 0);

  it('a relative landing_site gives its query’s click ids', () => {
    const order = read(
      withFields({ landing_site: '/products/ipod?fbclid=IwAR-x&gclid=G-1&msclkid=m1&ttclid=T1' }),
    );
    assert.equal(order.userData.fbc, `fb.1.${created}.IwAR-x`);
    assert.equal(order.userData.gclid, 'G-1');
    assert.equal(order.userData.msclkid, 'm1');
    assert.equal(order.userData.ttclid, 'T1');
  });

  it('a relative landing_site is no page URL of its own: no made-up host (the domain’s shop URL stands in)', () => {
    const order = read(withFields({ landing_site: '/products/ipod?fbclid=IwAR-x', source_url: null }));
    assert.equal(order.landingUrl, undefined);
  });

  it('with an absolute source_url, a relative landing_site is resolved against it', () => {
    const order = read(
      withFields({ landing_site: '/products/ipod?gclid=G-1', source_url: 'https://shop.example.com/' }),
    );
    assert.equal(order.landingUrl, 'https://shop.example.com/products/ipod?gclid=G-1');
    assert.equal(order.userData.gclid, 'G-1');
  });

  it('note_attributes ids are taken (names without case) and win over the landing URL', () => {
    const order = read(
      withFields({
        landing_site: '/?fbclid=IwAR-landing&gclid=G-landing',
        note_attributes: [
          { name: '_FBC', value: 'fb.1.1700000000000.IwAR-note' },
          { name: '_fbp', value: 'fb.1.1700000000000.987654321' },
          { name: 'ScCid', value: 'snap-click' },
          { name: 'colour', value: 'green' },
        ],
      }),
    );
    assert.equal(order.userData.fbc, 'fb.1.1700000000000.IwAR-note');
    assert.equal(order.userData.fbp, 'fb.1.1700000000000.987654321');
    assert.equal(order.userData.scClickId, 'snap-click');
    assert.equal(order.userData.gclid, 'G-landing');
  });
});

describe('readShopifyOrder: shipping', () => {
  it('total_shipping_price_set.shop_money first', () => {
    const order = read(
      withFields({
        total_shipping_price_set: {
          shop_money: { amount: '12.50', currency_code: 'USD' },
          presentment_money: { amount: '11.00', currency_code: 'EUR' },
        },
        shipping_lines: [{ price: '99.00' }],
      }),
    );
    assert.equal(order.shipping, 12.5);
  });

  it('else the sum of shipping_lines; none → undefined', () => {
    assert.equal(read(withFields({ shipping_lines: [{ price: '4.00' }, { price: '1.50' }] })).shipping, 5.5);
    assert.equal(read(withFields({ shipping_lines: [] })).shipping, undefined);
  });
});

describe('refunds', () => {
  it('refundAmount sums successful refund transactions; failed ones and other kinds are ignored', () => {
    assert.equal(
      refundAmount({
        transactions: [
          { kind: 'refund', status: 'success', amount: '10.10' },
          { kind: 'refund', status: 'failure', amount: '99.00' },
          { kind: 'refund', status: 'pending', amount: '7.00' },
          { kind: 'sale', status: 'success', amount: '50.00' },
          { kind: 'refund', status: 'success', amount: '5.20' },
        ],
      }),
      15.3,
    );
  });

  it('without a successful transaction: the refunded line items’ subtotals plus tax', () => {
    assert.equal(
      refundAmount({
        transactions: [{ kind: 'refund', status: 'failure', amount: '99.00' }],
        refund_line_items: [
          { quantity: 1, subtotal: 199, total_tax: 11.94 },
          { quantity: 1, subtotal: '0.10', total_tax: '0.20' },
        ],
      }),
      211.24,
    );
    assert.equal(refundAmount({}), 0);
  });

  it('readShopifyRefund: id, amount, processed_at then created_at then the fallback time', () => {
    const transactions = [{ kind: 'refund', status: 'success', amount: '50.00' }];
    assert.deepEqual(
      readShopifyRefund(
        {
          id: 1,
          processed_at: '2024-05-01T10:00:00Z',
          created_at: '2024-05-01T09:00:00Z',
          transactions,
        },
        5,
      ),
      { id: '1', amount: 50, at: Date.UTC(2024, 4, 1, 10) },
    );
    assert.equal(
      readShopifyRefund({ id: 1, created_at: '2024-05-01T09:00:00Z', transactions }, 5)?.at,
      Date.UTC(2024, 4, 1, 9),
    );
    assert.equal(readShopifyRefund({ id: 1, transactions }, 5)?.at, 5);
  });

  it('readShopifyRefund: no id or nothing refunded → null', () => {
    assert.equal(
      readShopifyRefund({ transactions: [{ kind: 'refund', status: 'success', amount: '1' }] }, 0),
      null,
    );
    assert.equal(readShopifyRefund({ id: 3, transactions: [] }, 0), null);
    assert.equal(readShopifyRefund(null, 0), null);
  });

  it('a refunds/create body keeps its big ids exact, and names its order', () => {
    const body = parseLossless(
      `{"id":${BIG.slice(0, -3)}999,"order_id":${BIG},"created_at":"2024-05-01T09:00:00Z",` +
        `"transactions":[{"kind":"refund","status":"success","amount":"50.00"}]}`,
    );
    assert.equal(shopifyRefundOrderId(body), BIG);
    assert.equal(readShopifyRefund(body, 0)?.id, '820982911946154999');
    assert.equal(shopifyRefundOrderId({ id: 1 }), undefined);
    assert.equal(shopifyRefundOrderId(null), undefined);
  });
});
