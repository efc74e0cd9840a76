import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { keyId, maskSecret, Sealer, safeEqual } from './crypto.js';

test('sealed values open with the same key and associated data only', () => {
  const sealer = new Sealer([randomBytes(32)]);
  const sealed = sealer.seal({ email: 'jane@example.com' }, 'evt_1');
  assert.ok(!sealed.includes('jane'));
  assert.match(sealed, /^v1\.[0-9a-f]{8}\./);
  assert.deepEqual(sealer.open(sealed, 'evt_1'), { email: 'jane@example.com' });
  assert.throws(() => sealer.open(sealed, 'evt_2'));
  const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
  assert.throws(() => sealer.open(tampered, 'evt_1'));
});

test('rotation: a new key seals, the previous key still opens old values', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const before = new Sealer([oldKey]).seal('secret', 'x');
  const rotated = new Sealer([newKey, oldKey]);
  assert.equal(rotated.open(before, 'x'), 'secret');
  const after = rotated.seal('secret', 'x');
  assert.equal(Sealer.keyIdOf(after), keyId(newKey));
  assert.throws(() => new Sealer([oldKey]).open(after, 'x'), /No key with id/);
});

test('masking and constant-time comparison', () => {
  assert.equal(maskSecret('sk-live-1234567890abcdef7f3a'), 'sk-****…7f3a');
  assert.equal(maskSecret('EAABxyz1234567'), '****…4567');
  assert.equal(maskSecret('short'), '****');
  assert.equal(safeEqual('abc', 'abc'), true);
  assert.equal(safeEqual('abc', 'abd'), false);
  assert.equal(safeEqual('abc', 'abcd'), false);
});
