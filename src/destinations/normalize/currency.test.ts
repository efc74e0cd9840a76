import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeCurrency } from './currency.js';

describe('normalizeCurrency', () => {
  it('upper-cases ISO 4217 codes and omits anything else', () => {
    assert.equal(normalizeCurrency('usd'), 'USD');
    assert.equal(normalizeCurrency(' Eur '), 'EUR');
    assert.equal(normalizeCurrency('€'), undefined);
    assert.equal(normalizeCurrency('EURO'), undefined);
  });
});
