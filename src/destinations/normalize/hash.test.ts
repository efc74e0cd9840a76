import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashNormalized, isSha256Hex, sha256Hex } from './hash.js';

const HASH_OF_MARY = '6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec';

describe('sha256Hex', () => {
  it('is the lowercase hex SHA-256 of the UTF-8 bytes', () => {
    assert.equal(sha256Hex('mary'), HASH_OF_MARY);
    // Multi-byte: 정 is three UTF-8 bytes (Meta's documented example).
    assert.equal(sha256Hex('정'), '8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14');
  });
});

describe('isSha256Hex', () => {
  it('recognizes 64 hex digits in either case, nothing else', () => {
    assert.equal(isSha256Hex(HASH_OF_MARY), true);
    assert.equal(isSha256Hex(HASH_OF_MARY.toUpperCase()), true);
    assert.equal(isSha256Hex(` ${HASH_OF_MARY} `), true);
    assert.equal(isSha256Hex(HASH_OF_MARY.slice(1)), false);
    assert.equal(isSha256Hex(`${HASH_OF_MARY}0`), false);
    assert.equal(isSha256Hex('z'.repeat(64)), false);
  });
});

describe('hashNormalized', () => {
  const lower = (value: string): string | undefined =>
    value.trim() === '' ? undefined : value.trim().toLowerCase();

  it('normalizes then hashes', () => {
    assert.equal(hashNormalized('  MARY ', lower), HASH_OF_MARY);
  });
  it('passes an already-hashed value through, lowercased, without hashing it again', () => {
    assert.equal(
      hashNormalized(HASH_OF_MARY.toUpperCase(), () => 'never'),
      HASH_OF_MARY,
    );
  });
  it('omits values the normalizer rejects, and absent values', () => {
    assert.equal(hashNormalized('   ', lower), undefined);
    assert.equal(hashNormalized(undefined, lower), undefined);
  });
});
