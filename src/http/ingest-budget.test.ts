import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteBudget } from './ingest-budget.js';

/** Whether `granted` has settled yet (after the microtasks queued so far), and how. */
async function settled(granted: Promise<boolean>): Promise<boolean | 'waiting'> {
  return Promise.race([granted, new Promise<'waiting'>((resolve) => setImmediate(() => resolve('waiting')))]);
}

test('requests take their bytes while they fit; the next waits until enough is given back', async () => {
  const budget = new ByteBudget(1000);
  const a = budget.take(600);
  const b = budget.take(300);
  const c = budget.take(200);
  assert.equal(await settled(a.granted), true);
  assert.equal(await settled(b.granted), true);
  assert.equal(await settled(c.granted), 'waiting', '600 + 300 + 200 is over 1000');
  assert.deepEqual([budget.inUse, budget.waiting], [900, 1]);

  budget.giveBack(b.ticket);
  assert.equal(await settled(c.granted), true);
  assert.deepEqual([budget.inUse, budget.waiting], [800, 0]);
  budget.giveBack(a.ticket);
  budget.giveBack(c.ticket);
  assert.deepEqual([budget.inUse, budget.waiting], [0, 0]);
});

test('first come, first served: a small request does not overtake a large one waiting ahead of it', async () => {
  const budget = new ByteBudget(1000);
  const a = budget.take(500);
  const large = budget.take(800);
  const small = budget.take(100);
  assert.equal(await settled(large.granted), 'waiting');
  assert.equal(await settled(small.granted), 'waiting', 'it would fit, but the large one came first');

  budget.giveBack(a.ticket);
  assert.equal(await settled(large.granted), true);
  assert.equal(await settled(small.granted), true, '800 + 100 fit together');
  assert.equal(budget.inUse, 900);
});

test('a body larger than the whole budget goes alone, once nothing else holds any', async () => {
  const budget = new ByteBudget(1000);
  const a = budget.take(10);
  const huge = budget.take(5000);
  const after = budget.take(10);
  assert.equal(await settled(huge.granted), 'waiting');
  budget.giveBack(a.ticket);
  assert.equal(await settled(huge.granted), true);
  assert.equal(budget.inUse, 1000, 'it takes the whole budget, not more');
  assert.equal(await settled(after.granted), 'waiting', 'nothing goes beside it');
  budget.giveBack(huge.ticket);
  assert.equal(await settled(after.granted), true);
});

test('a request that leaves while waiting is withdrawn; giving a ticket back twice returns its bytes once', async () => {
  const budget = new ByteBudget(1000);
  const a = budget.take(700);
  const gone = budget.take(700);
  const next = budget.take(300);
  budget.giveBack(gone.ticket);
  assert.equal(await settled(gone.granted), false, 'its hook goes on (and finds the connection closed)');
  assert.equal(await settled(next.granted), true, 'the request behind it no longer waits for it');
  assert.equal(budget.waiting, 0);

  budget.giveBack(a.ticket);
  budget.giveBack(a.ticket);
  budget.giveBack(gone.ticket);
  assert.equal(budget.inUse, 300, 'only `next` holds bytes');
  const fits = budget.take(700);
  assert.equal(await settled(fits.granted), true);
  const over = budget.take(1);
  assert.equal(await settled(over.granted), 'waiting', 'a second give-back did not free 700 more bytes');
});
