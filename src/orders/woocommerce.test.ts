import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseLossless } from './webhook-body.js';
import { readWooCommerceOrder } from './woocommerce.js';

const SAMPLES = new URL('../../test/fixtures/samples/woocommerce/', import.meta.url);
const sampleText = readFileSync(new URL('order.json', SAMPLES), 'utf8');
const sample = JSON.parse(sampleText) as Record<string, unknown>;
const listed = JSON.parse(readFileSync(new URL('orders-list-with-ip-ua.json', SAMPLES), 'utf8')) as Array<
  Record<string, unknown>
>;

/** The sample with fields replaced. */
const withFields = (extra: Record<string, unknown>) => ({ ...sample, ...extra });
const meta = (pairs: Record<string, unknown>) =>
  Object.entries(pairs).map(([key, value], i) => ({ id: 9000 + i, key, value }));
const read = (body: unknown) => {
  const order = readWooCommerceOrder(body);
  assert.ok(order, 'expected an order');
  return order;
};

describe('readWooCommerceOrder: the documented sample order, field by field', () => {
  const order = read(sample);

  it('reads identity, status and money (strings to numbers, currency upper case)', () => {
    assert.equal(order.platform, 'woocommerce');
    assert.equal(order.orderId, '727');
    assert.equal(typeof order.orderId, 'string');
    assert.equal(order.orderNumber, '727');
    assert.equal(order.status, 'processing');
    assert.equal(order.cancelled, false);
    assert.equal(order.test, false);
    assert.equal(order.currency, 'USD');
    assert.equal(order.total, 29.35);
    assert.equal(order.tax, 1.35);
    assert.equal(order.shipping, 10);
  });

  it('reads times from the _gmt fields as UTC, not the local ones', () => {
    assert.equal(order.orderedAt, Date.UTC(2017, 2, 22, 19, 28, 2));
    assert.equal(order.modifiedAt, Date.UTC(2017, 2, 22, 19, 28, 8));
    assert.equal(order.paidAt, Date.UTC(2017, 2, 22, 19, 28, 8));
  });

  it('billing becomes userData; a guest (customer_id 0) has no externalId; empty IP/UA are absent', () => {
    assert.deepEqual(order.userData, {
      email: 'john.doe@example.com',
      phone: '(555) 555-5555',
      firstName: 'John',
      lastName: 'Doe',
      city: 'San Francisco',
      state: 'CA',
      zip: '94103',
      country: 'US',
    });
  });

  it('line items become contents: the variation id where there is one, else the product id', () => {
    assert.deepEqual(order.contents, [
      { id: '93', quantity: 2, price: 3, name: 'Woo Single #1' },
      { id: '23', quantity: 1, price: 12, name: 'Ship Your Idea &ndash; Color: Black, Size: M Test' },
    ]);
    assert.deepEqual(order.refunds, []);
    assert.equal(order.landingUrl, undefined);
  });

  it('reads the same from the lossless parser (what processing uses)', () => {
    assert.deepEqual(read(parseLossless(sampleText)), order);
  });
});

describe('readWooCommerceOrder: the orders-list sample (a checkout order)', () => {
  const order = read(listed[0]);

  it('takes the IP and user agent, and the registered customer as externalId', () => {
    assert.equal(order.orderId, '1274');
    assert.equal(order.userData.ipAddress, '192.0.2.1');
    assert.equal(
      order.userData.userAgent,
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 11_2_3) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/89.0.4389.114 Safari/537.36',
    );
    assert.equal(order.userData.externalId, '1');
    assert.equal(order.orderedAt, Date.UTC(2021, 3, 19, 7, 20, 56));
  });

  it('the unit price is WooCommerce’s `price`, rounded to cents', () => {
    assert.deepEqual(order.contents, [{ id: '1027', quantity: 3, price: 7.91, name: 'Weekly' }]);
    assert.equal(order.total, 26.09);
    assert.equal(order.shipping, 0);
  });

  it('an unpaid order has no paid time', () => {
    const pending = read(listed[1]);
    assert.equal(pending.status, 'pending');
    assert.equal(pending.paidAt, undefined);
  });
});

describe('readWooCommerceOrder: details', () => {
  it('without `price`, the unit price is total / quantity', () => {
    const order = read(
      withFields({
        line_items: [{ product_id: 5, variation_id: 0, quantity: 3, total: '20.00', name: 'X' }],
      }),
    );
    assert.deepEqual(order.contents, [{ id: '5', quantity: 3, price: 6.67, name: 'X' }]);
  });

  it('a line item without a product or variation is left out', () => {
    const order = read(
      withFields({ line_items: [{ product_id: 0, variation_id: 0, quantity: 1, price: 2 }] }),
    );
    assert.deepEqual(order.contents, []);
  });

  it('refunds are negative totals: amount is positive; a zero refund is none', () => {
    const order = read(
      withFields({
        status: 'refunded',
        refunds: [
          { id: 801, reason: 'broken', total: '-5.00' },
          { id: 802, reason: '', total: '0.00' },
        ],
      }),
    );
    assert.deepEqual(order.refunds, [{ id: '801', amount: 5, at: order.modifiedAt }]);
  });

  it('a local time without a _gmt twin is read as UTC', () => {
    const order = read(
      withFields({ date_created_gmt: null, date_modified_gmt: null, date_paid_gmt: null, date_paid: null }),
    );
    assert.equal(order.orderedAt, Date.UTC(2017, 2, 22, 16, 28, 2));
    assert.equal(order.modifiedAt, Date.UTC(2017, 2, 22, 16, 28, 8));
    assert.equal(order.paidAt, undefined);
  });

  it('cancelled, failed and trashed orders are closed; on-hold is not', () => {
    for (const status of ['cancelled', 'failed', 'trash'])
      assert.equal(read(withFields({ status })).cancelled, true);
    assert.equal(read(withFields({ status: 'on-hold' })).cancelled, false);
  });

  it('shipping address fills what billing lacks', () => {
    const order = read(
      withFields({
        billing: { email: 'a@example.com', first_name: '', city: '' },
        shipping: { first_name: 'Ann', city: 'Berlin', phone: '+49 30 123456', country: 'DE' },
      }),
    );
    assert.equal(order.userData.firstName, 'Ann');
    assert.equal(order.userData.city, 'Berlin');
    assert.equal(order.userData.phone, '+49 30 123456');
    assert.equal(order.userData.country, 'DE');
    assert.equal(order.userData.email, 'a@example.com');
  });
});

describe('readWooCommerceOrder: click ids and cookies', () => {
  const placed = Date.UTC(2017, 2, 22, 19, 28, 2);

  it('takes the identifiers tracking plugins keep in meta_data', () => {
    const order = read(
      withFields({
        meta_data: meta({
          _fbp: 'fb.1.1700000000000.1234567890',
          _fbc: 'fb.1.1700000000000.IwAR-cookie',
          gclid: 'Cj0KCQ-meta-gclid',
          _ttp: 'ttp-cookie-value-123456',
          _ga: 'GA1.1.111.222',
          unrelated: 'x',
        }),
      }),
    );
    assert.equal(order.userData.fbp, 'fb.1.1700000000000.1234567890');
    assert.equal(order.userData.fbc, 'fb.1.1700000000000.IwAR-cookie');
    assert.equal(order.userData.gclid, 'Cj0KCQ-meta-gclid');
    assert.equal(order.userData.ttp, 'ttp-cookie-value-123456');
    assert.equal(order.userData.gaClientId, 'GA1.1.111.222');
  });

  it('meta values that are not text are ignored', () => {
    const order = read(withFields({ meta_data: meta({ _fbp: { nested: true }, _fbc: '' }) }));
    assert.equal(order.userData.fbp, undefined);
    assert.equal(order.userData.fbc, undefined);
  });

  it('the order-attribution landing URL gives click ids; fbclid becomes an _fbc dated at the order', () => {
    const entry =
      'https://shop.example.com/p/1?fbclid=IwAR-landing&gclid=Cj0-landing&ttclid=E.C.P.t&msclkid=ab12';
    const order = read(withFields({ meta_data: meta({ _wc_order_attribution_session_entry: entry }) }));
    assert.equal(order.landingUrl, entry);
    assert.equal(order.userData.fbc, `fb.1.${placed}.IwAR-landing`);
    assert.equal(order.userData.gclid, 'Cj0-landing');
    assert.equal(order.userData.ttclid, 'E.C.P.t');
    assert.equal(order.userData.msclkid, 'ab12');
  });

  it('ids already stored on the order are not overridden by the landing URL', () => {
    const order = read(
      withFields({
        meta_data: meta({
          _fbc: 'fb.1.1700000000000.IwAR-cookie',
          gclid: 'Cj0-stored',
          _wc_order_attribution_session_entry:
            'https://shop.example.com/?fbclid=IwAR-landing&gclid=Cj0-landing',
        }),
      }),
    );
    assert.equal(order.userData.fbc, 'fb.1.1700000000000.IwAR-cookie');
    assert.equal(order.userData.gclid, 'Cj0-stored');
  });

  it('a landing URL without a query gives nothing', () => {
    const order = read(
      withFields({ meta_data: meta({ _wc_order_attribution_session_entry: 'https://shop.example.com/' }) }),
    );
    assert.equal(order.userData.fbc, undefined);
    assert.equal(order.landingUrl, 'https://shop.example.com/');
  });
});

describe('readWooCommerceOrder: other bodies', () => {
  it('an order.deleted body ({"id": N}) still names the order', () => {
    const order = read(parseLossless('{"id":727}'));
    assert.equal(order.orderId, '727');
    assert.deepEqual(order.contents, []);
    assert.deepEqual(order.refunds, []);
  });

  it('bodies that are not orders give null', () => {
    for (const body of [
      null,
      undefined,
      'text',
      42,
      [],
      [sample],
      {},
      { id: 0 },
      { id: '' },
      { webhook_id: '5' },
    ]) {
      assert.equal(readWooCommerceOrder(body), null, JSON.stringify(body));
    }
    assert.equal(readWooCommerceOrder({ action: 'woocommerce_x', arg: 5 }), null);
  });
});
