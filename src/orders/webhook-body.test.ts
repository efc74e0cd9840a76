import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { money } from './shop-order.js';
import { parseLossless, shopSignature, verifyShopSignature } from './webhook-body.js';

const SECRET = 'wc-secret-3f9a';
/** Computed here, as the shops compute it: base64(HMAC-SHA256(secret, raw bytes)). */
const sign = (secret: string, body: Buffer | string): string =>
  createHmac('sha256', secret).update(body).digest('base64');

// What WooCommerce sends: PHP's JSON, with `/` escaped and non-ASCII as \uXXXX.
const WOO_BODY = String.raw`{"id":727,"status":"processing","total":"29.35","_links":{"self":[{"href":"https:\/\/example.com\/wp-json\/wc\/v3\/orders\/727"}]},"billing":{"city":"K\u00f6ln"}}`;
const body = Buffer.from(WOO_BODY, 'utf8');

describe('verifyShopSignature', () => {
  it('a signature computed independently verifies; shopSignature computes the same', () => {
    const header = sign(SECRET, body);
    assert.equal(verifyShopSignature(body, header, [SECRET]), true);
    assert.equal(shopSignature(SECRET, body), header);
    // Surrounding whitespace in the header is tolerated.
    assert.equal(verifyShopSignature(body, ` ${header}\n`, [SECRET]), true);
  });

  it('a one-byte change to the body fails', () => {
    const header = sign(SECRET, body);
    const changed = Buffer.from(body);
    const at = changed.length - 2;
    changed.writeUInt8(changed.readUInt8(at) ^ 0x01, at);
    assert.equal(verifyShopSignature(changed, header, [SECRET]), false);
    assert.equal(verifyShopSignature(Buffer.concat([body, Buffer.from(' ')]), header, [SECRET]), false);
  });

  it('a one-bit change to the signature, or another secret, fails', () => {
    const digest = createHmac('sha256', SECRET).update(body).digest();
    digest.writeUInt8(digest.readUInt8(0) ^ 0x80, 0);
    assert.equal(verifyShopSignature(body, digest.toString('base64'), [SECRET]), false);
    assert.equal(verifyShopSignature(body, sign('other', body), [SECRET]), false);
  });

  it('a missing, empty, wrong-length or non-base64 header fails', () => {
    const good = sign(SECRET, body);
    const hex = createHmac('sha256', SECRET).update(body).digest('hex');
    const digest = createHmac('sha256', SECRET).update(body).digest();
    for (const header of [
      undefined,
      '',
      '   ',
      hex, // the right digest, in hex
      digest.subarray(0, 31).toString('base64'),
      Buffer.concat([digest, Buffer.from([0])]).toString('base64'),
      'not base64 at all!!',
      `${good.slice(0, 10)}*${good.slice(10)}`, // the right digest with a stray character
      `${good.slice(0, 20)} ${good.slice(20)}`,
    ]) {
      assert.equal(verifyShopSignature(body, header, [SECRET]), false, String(header));
    }
  });

  it('no secrets: nothing verifies', () => {
    assert.equal(verifyShopSignature(body, sign(SECRET, body), []), false);
  });

  it('rotation: any one of several secrets passes, in any position', () => {
    const secrets = ['old-secret', 'new-secret', 'spare'];
    assert.equal(verifyShopSignature(body, sign('old-secret', body), secrets), true);
    assert.equal(verifyShopSignature(body, sign('new-secret', body), secrets), true);
    assert.equal(verifyShopSignature(body, sign('spare', body), secrets), true);
    assert.equal(verifyShopSignature(body, sign('retired', body), secrets), false);
  });

  it('PHP-escaped slashes: only the bytes as sent verify, not a re-serialized body', () => {
    const header = sign(SECRET, body);
    assert.equal(verifyShopSignature(body, header, [SECRET]), true);
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(WOO_BODY)), 'utf8');
    assert.notDeepEqual(reserialized, body);
    assert.equal(verifyShopSignature(reserialized, header, [SECRET]), false);
    // And a body signed as re-serialized does not verify against the sent bytes either.
    assert.equal(verifyShopSignature(body, sign(SECRET, reserialized), [SECRET]), false);
  });
});

describe('parseLossless', () => {
  it('keeps integers beyond 2^53 exact, as text; safe integers are numbers', () => {
    const parsed = parseLossless(
      '{"id":820982911946154508,"order_id":9007199254740993,"max":9007199254740991,"n":-42,"ids":[820982911946154508,1]}',
    ) as Record<string, unknown>;
    assert.equal(parsed.id, '820982911946154508');
    assert.equal(parsed.order_id, '9007199254740993');
    assert.equal(parsed.max, 9007199254740991);
    assert.equal(parsed.n, -42);
    assert.deepEqual(parsed.ids, ['820982911946154508', 1]);
    // What JSON.parse would do.
    assert.notEqual(
      String((JSON.parse('{"id":820982911946154508}') as { id: number }).id),
      '820982911946154508',
    );
  });

  it('reads prices and decimals as numbers; strings stay strings', () => {
    const parsed = parseLossless(
      '{"price":199.0,"rate":0.06,"total":-5.5,"exp":1e3,"unit":7.905138333333333,"text":"29.35","t":true,"z":null}',
    ) as Record<string, unknown>;
    assert.equal(parsed.price, 199);
    assert.equal(parsed.rate, 0.06);
    assert.equal(parsed.total, -5.5);
    assert.equal(parsed.exp, 1000);
    assert.equal(parsed.unit, 7.905138333333333);
    assert.equal(parsed.text, '29.35');
    assert.equal(parsed.t, true);
    assert.equal(parsed.z, null);
  });

  it('a decimal with more digits than a double holds is kept as text, which money() still reads', () => {
    const parsed = parseLossless('{"price":12.345678901234567890}') as { price: unknown };
    assert.equal(parsed.price, '12.345678901234567890');
    assert.equal(money(parsed.price), 12.345678901234567);
  });

  it('reads PHP-escaped slashes and \\u escapes', () => {
    const parsed = parseLossless(WOO_BODY) as {
      _links: { self: Array<{ href: string }> };
      billing: { city: string };
    };
    assert.equal(parsed._links.self[0]?.href, 'https://example.com/wp-json/wc/v3/orders/727');
    assert.equal(parsed.billing.city, 'Köln');
  });

  it('malformed JSON throws a SyntaxError', () => {
    for (const text of ['{"id":', '', 'webhook_id=5', '{"a":1}x', "{'a':1}"]) {
      assert.throws(() => parseLossless(text), SyntaxError, text);
    }
  });
});
