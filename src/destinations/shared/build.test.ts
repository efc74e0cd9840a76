import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchPlan } from '../contract.js';
import { batchesOf } from './build.js';

const plan = (batchKey?: BatchPlan['batchKey']): BatchPlan => ({
  maxBatchSize: 2,
  map: () => ({ skip: 'unused' }),
  envelope: () => ({ url: 'http://x.invalid/', headers: {}, body: {} }),
  ...(batchKey === undefined ? {} : { batchKey }),
});

const items = ['a1', 'b1', 'a2', 'a3', 'c1', 'b2'].map((id) => ({ id, who: id.slice(0, 1) }));
const ids = (batches: Array<Array<{ id: string }>>) => batches.map((batch) => batch.map((item) => item.id));

describe('batchesOf', () => {
  it('without a batch key: consecutive runs of at most maxBatchSize', () => {
    assert.deepEqual(ids(batchesOf(plan(), items, (item) => item)), [
      ['a1', 'b1'],
      ['a2', 'a3'],
      ['c1', 'b2'],
    ]);
  });

  it('with a batch key: one key per batch, keys in order of first appearance, events in input order', () => {
    const keyed = plan((event) => String(event.who));
    assert.deepEqual(ids(batchesOf(keyed, items, (item) => item)), [
      ['a1', 'a2'],
      ['a3'],
      ['b1', 'b2'],
      ['c1'],
    ]);
  });
});
