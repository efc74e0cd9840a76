import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commerce, decimalString } from './commerce.js';

describe('commerce', () => {
  it('reads well-formed custom data', () => {
    assert.deepEqual(
      commerce({
        value: 10.5,
        currency: 'eur',
        orderId: ' 1001 ',
        numItems: 2,
        searchString: 'mugs',
        contentType: 'product',
        contents: [{ id: 'A', quantity: 2, price: 5.25, name: 'Mug' }],
      }),
      {
        value: 10.5,
        currency: 'EUR',
        orderId: '1001',
        numItems: 2,
        searchString: 'mugs',
        contentType: 'product',
        contents: [{ id: 'A', quantity: 2, price: 5.25, name: 'Mug' }],
      },
    );
  });
  it('treats wrong types and empties as absent instead of forwarding them', () => {
    const messy = {
      value: Number.NaN,
      currency: 'euro',
      orderId: '  ',
      numItems: 1.5,
      contents: [{ id: '' }, { id: 7, quantity: -1, price: Number.POSITIVE_INFINITY }, null],
    } as unknown as Parameters<typeof commerce>[0];
    assert.deepEqual(commerce(messy), { contents: [{ id: '7' }] });
  });
});

describe('decimalString', () => {
  it('is the shortest decimal, never exponent notation', () => {
    assert.equal(decimalString(129.99), '129.99');
    assert.equal(decimalString(5), '5');
    assert.equal(decimalString(0.1 + 0.2), '0.30000000000000004');
    assert.equal(decimalString(1e-7), '0.00');
    assert.equal(decimalString(undefined), undefined);
  });
});
