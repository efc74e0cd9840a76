import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_BODY_DEPTH, nestsDeeperThan } from './json-depth.js';

/** `levels` nested containers, alternating objects and arrays, the innermost holding a string. */
function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i += 1) value = i % 2 === 0 ? { next: value } : [value];
  return value;
}

test('depth counts objects and arrays alike, `{}` at the top being 1', () => {
  assert.equal(nestsDeeperThan({}, 1), false);
  assert.equal(nestsDeeperThan({ a: {} }, 1), true);
  assert.equal(nestsDeeperThan([[]], 1), true);
  assert.equal(nestsDeeperThan(nested(MAX_BODY_DEPTH), MAX_BODY_DEPTH), false, 'exactly the limit');
  assert.equal(nestsDeeperThan(nested(MAX_BODY_DEPTH + 1), MAX_BODY_DEPTH), true, 'one level more');
});

test('scalars never nest, and a wide body is not a deep one', () => {
  for (const value of [null, 'text', 3, true, undefined]) assert.equal(nestsDeeperThan(value, 1), false);
  const wide = {
    events: Array.from({ length: 1000 }, (_, i) => ({ id: i, customData: { contents: [{ id: 'x' }] } })),
  };
  assert.equal(nestsDeeperThan(wide, 6), false);
  assert.equal(nestsDeeperThan(wide, 5), true);
  // The deep branch is found wherever it sits among shallow siblings.
  const hidden = { a: 1, b: [1, 2, { c: nested(10) }], d: 'x' };
  assert.equal(nestsDeeperThan(hidden, 13), false);
  assert.equal(nestsDeeperThan(hidden, 12), true);
});
