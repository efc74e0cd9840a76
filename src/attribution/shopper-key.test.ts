import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { test } from 'node:test';
import { shopperKeyOf, shopperKeySecret } from './shopper-key.js';

const encryptionKey = Buffer.alloc(32, 7);

test('the shopper key is HMAC-SHA256 (HKDF-derived key) of the normalized e-mail, else of ext:<id>', () => {
  const secret = shopperKeySecret(encryptionKey);
  const expected = Buffer.from(
    hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'tagbridge/shopper-key/v1', 32),
  );
  assert.deepEqual(secret, expected);
  const mac = (s: string): string => createHmac('sha256', expected).update(s).digest('hex');
  assert.equal(shopperKeyOf(secret, { email: '  Jane.Doe@Example.COM ' }), mac('jane.doe@example.com'));
  assert.equal(
    shopperKeyOf(secret, { email: 'jane.doe@example.com', externalId: '42' }),
    mac('jane.doe@example.com'),
  );
  assert.equal(shopperKeyOf(secret, { email: 'not an address', externalId: ' 42 ' }), mac('ext:42'));
  assert.equal(shopperKeyOf(secret, { phone: '+15551234567' }), null);
});

test('another encryption key gives other shopper keys', () => {
  const a = shopperKeyOf(shopperKeySecret(encryptionKey), { email: 'a@example.com' });
  const b = shopperKeyOf(shopperKeySecret(Buffer.alloc(32, 8)), { email: 'a@example.com' });
  assert.notEqual(a, b);
});
