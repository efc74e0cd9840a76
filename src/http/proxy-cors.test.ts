import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAllowedProxyOrigin, shopOrigins } from './proxy-cors.js';

describe('proxy CORS origins of a shop URL', () => {
  it('the apex and www forms, on the shop URL’s scheme', () => {
    assert.deepEqual(shopOrigins('https://acme.com'), ['https://acme.com', 'https://www.acme.com']);
    assert.deepEqual(shopOrigins('https://www.acme.com/shop/'), ['https://acme.com', 'https://www.acme.com']);
    assert.deepEqual(shopOrigins('https://Shop.Acme.com:8443'), [
      'https://shop.acme.com:8443',
      'https://www.shop.acme.com:8443',
    ]);
  });

  it('an http shop URL also allows https; an https one never allows http', () => {
    assert.deepEqual(shopOrigins('http://acme.com'), [
      'http://acme.com',
      'http://www.acme.com',
      'https://acme.com',
      'https://www.acme.com',
    ]);
    assert.equal(isAllowedProxyOrigin('http://acme.com', 'https://acme.com', []), false);
    // With an explicit port, the https twin would be a guess: only the stated origin and its www twin.
    assert.deepEqual(shopOrigins('http://acme.com:8080'), [
      'http://acme.com:8080',
      'http://www.acme.com:8080',
    ]);
  });

  it('IP addresses and single-label hosts have no www form', () => {
    assert.deepEqual(shopOrigins('http://localhost:3000'), ['http://localhost:3000']);
    assert.deepEqual(shopOrigins('https://203.0.113.5'), ['https://203.0.113.5']);
  });

  it('no shop URL, a bad one or another scheme: nothing', () => {
    assert.deepEqual(shopOrigins(null), []);
    assert.deepEqual(shopOrigins('not a url'), []);
    assert.deepEqual(shopOrigins('ftp://acme.com'), []);
  });

  it('extra origins are allowed as listed; lookalikes are not', () => {
    const extra = ['https://staging.acme.dev'];
    assert.equal(isAllowedProxyOrigin('https://staging.acme.dev', 'https://acme.com', extra), true);
    assert.equal(isAllowedProxyOrigin('https://staging.acme.dev', null, extra), true);
    for (const origin of [
      'https://evilacme.com',
      'https://acme.com.evil.test',
      'https://shop.acme.com',
      'null',
    ]) {
      assert.equal(isAllowedProxyOrigin(origin, 'https://acme.com', extra), false, origin);
    }
  });
});
