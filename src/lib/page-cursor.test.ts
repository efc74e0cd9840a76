import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePageCursor, encodePageCursor } from './page-cursor.js';

test('a position round-trips; another kind of id, a forged or garbled cursor is null', () => {
  const position = { at: 1_775_000_000_123, id: 'evt_0mabc123def' };
  assert.deepEqual(decodePageCursor(encodePageCursor(position), 'evt'), position);
  assert.equal(
    decodePageCursor(encodePageCursor(position), 'cnv'),
    null,
    'an event cursor is not an order cursor',
  );
  const forged = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
  for (const bad of [
    '',
    'abc',
    forged('[1,"evt_x"]'),
    forged('1:evt_x; drop table'),
    forged('99999999999999999:evt_x'),
    forged(`1:evt_${'a'.repeat(65)}`),
  ]) {
    assert.equal(decodePageCursor(bad, 'evt'), null, bad);
  }
});
