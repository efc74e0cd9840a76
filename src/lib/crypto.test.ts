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

test('binary sealing: smaller than text, opens with the right key and associated data only', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const value = { u: { email: 'jane@example.com', phone: '+16505551212' } };
  const sealer = new Sealer([oldKey]);
  const binary = sealer.sealBinary(value, 'evt_1');
  assert.equal(binary[0], 0x02);
  assert.ok(!binary.toString('latin1').includes('jane'));
  assert.equal(binary.length, JSON.stringify(value).length + 33);
  assert.ok(binary.length < sealer.seal(value, 'evt_1').length);
  assert.deepEqual(sealer.open(binary, 'evt_1'), value);
  assert.throws(() => sealer.open(binary, 'evt_2'));
  const tampered = Buffer.from(binary);
  tampered[tampered.length - 20]! ^= 1;
  assert.throws(() => sealer.open(tampered, 'evt_1'));
  assert.throws(() => sealer.open(binary.subarray(0, 20), 'evt_1'), /Malformed/);
  assert.equal(Sealer.keyIdOf(binary), keyId(oldKey));
  assert.deepEqual(sealer.currentBinaryPrefix, binary.subarray(0, 5));
  // Rotation: the previous key still opens; the new one seals.
  const rotated = new Sealer([newKey, oldKey]);
  assert.deepEqual(rotated.open(binary, 'evt_1'), value);
  assert.equal(Sealer.keyIdOf(rotated.sealBinary(value, 'evt_1')), keyId(newKey));
  assert.throws(() => new Sealer([newKey]).open(binary, 'evt_1'), /No key with id/);
});

test('a text-sealed value read back from a binary column (PostgreSQL bytea after the migration) opens', () => {
  const sealer = new Sealer([randomBytes(32)]);
  const text = sealer.seal({ u: { email: 'jane@example.com' } }, 'evt_1');
  const asBytes = Buffer.from(text, 'utf8');
  assert.deepEqual(sealer.open(asBytes, 'evt_1'), { u: { email: 'jane@example.com' } });
  assert.equal(Sealer.keyIdOf(asBytes), Sealer.keyIdOf(text));
});

test('values with characters of every UTF-8 length open as they were sealed, in both formats', () => {
  const sealer = new Sealer([randomBytes(32)]);
  const value = {
    u: { fn: 'Zoë', ln: 'Ørsted-Łukasiewicz', ct: '東京', x: '👩‍💻 café' },
    n: 'a'.repeat(5000),
  };
  assert.deepEqual(sealer.open(sealer.sealBinary(value, 'evt_1'), 'evt_1'), value);
  assert.deepEqual(sealer.open(sealer.seal(value, 'evt_1'), 'evt_1'), value);
  // Cut short by one byte, so the tag read is wrong: the check fails before anything is parsed.
  const binary = sealer.sealBinary(value, 'evt_1');
  assert.throws(() => sealer.open(Buffer.concat([binary.subarray(0, -17), binary.subarray(-16)]), 'evt_1'));
});
