import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunk } from './batch.js';
import { compact, listOf, nonEmpty, toJson } from './json.js';

describe('json helpers', () => {
  it('compact drops undefined only', () => {
    assert.deepEqual(compact({ a: 1, b: undefined, c: null, d: '' }), { a: 1, c: null, d: '' });
  });
  it('listOf and nonEmpty omit nothing-to-send', () => {
    assert.deepEqual(listOf('x'), ['x']);
    assert.equal(listOf(undefined), undefined);
    assert.equal(nonEmpty({}), undefined);
    assert.deepEqual(nonEmpty({ a: 1 }), { a: 1 });
  });
  it('toJson deep-copies untrusted data into JSON', () => {
    const input = { a: [1, Number.NaN, undefined, () => 1], b: { c: undefined, d: true }, e: Symbol('s') };
    assert.deepEqual(toJson(input), { a: [1, null, null, null], b: { d: true } });
    const nested = { user: { ip: '1' } };
    const copy = toJson(nested) as { user: { ip: string } };
    copy.user.ip = '2';
    assert.equal(nested.user.ip, '1');
  });
});

describe('chunk', () => {
  it('cuts in order, last chunk shorter', () => {
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(chunk([], 3), []);
  });
  it('refuses a size that would loop forever', () => {
    assert.throws(() => chunk([1], 0), RangeError);
  });
});
