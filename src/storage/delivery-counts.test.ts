import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CountDeltas, type CountedDelivery, countKey, HOUR_MS, UNMEASURED } from './delivery-counts.js';

const H = 1_765_065_600_000; // an hour boundary (ms)

const delivery = (over: Partial<CountedDelivery> = {}): CountedDelivery => ({
  org_id: 'org_a',
  domain_id: 'dom_a',
  destination_id: 'dst_a',
  destination_type: 'meta',
  created_at: H + 60_000,
  sent_keys: 5,
  match_score: 0.5,
  ...over,
});

test('moves merge per destination, hour, status and carried identifiers', () => {
  const counts = new CountDeltas();
  for (let i = 0; i < 3; i += 1) {
    counts.move({ ...delivery(), status: 'delivered', final_at: H + 1000 * i }, 'pending');
  }
  counts.move({ ...delivery({ sent_keys: null }), status: 'skipped', last_error: 'consent' }, 'pending');
  // Same counter as the first three, one hour later: a counter of its own.
  counts.move({ ...delivery({ created_at: H + HOUR_MS }), status: 'failed' }, 'pending');
  const list = counts.list();
  const find = (hour: number, status: string, keys: number) =>
    list.find((d) => d.hour === hour && d.status === status && d.sent_keys === keys);
  assert.deepEqual(
    { n: find(H, 'pending', 5)?.n, score: find(H, 'pending', 5)?.score_sum },
    { n: -3, score: -1.5 },
  );
  const delivered = find(H, 'delivered', 5)!;
  assert.equal(delivered.n, 3);
  assert.equal(delivered.score_sum, 1.5);
  assert.equal(delivered.last_delivered_at, H + 2000, 'the latest success');
  assert.equal(delivered.org_id, 'org_a');
  assert.equal(delivered.destination_type, 'meta');
  const skipped = find(H, 'skipped', UNMEASURED)!;
  assert.deepEqual([skipped.n, skipped.consent_skips], [1, 1]);
  assert.equal(find(H, 'pending', UNMEASURED)?.consent_skips, 0);
  assert.equal(find(H + HOUR_MS, 'failed', 5)?.n, 1);
  assert.equal(list.length, 6);
});

test('a move to the same status and counters that cancel out are left out', () => {
  const counts = new CountDeltas();
  counts.move({ ...delivery(), status: 'pending' }, 'pending');
  counts.add(delivery(), 'failed', 1).add(delivery(), 'failed', -1);
  assert.deepEqual(counts.list(), []);
  // A success time alone is still written (destination health reads the last success).
  counts.add(delivery(), 'delivered', 1, false, H).add(delivery(), 'delivered', -1);
  assert.equal(counts.list().length, 1);
});

test('the list is in the order of the counters as one string key, whatever order they came in', () => {
  const counts = new CountDeltas();
  const inputs: Array<[Partial<CountedDelivery>, string]> = [
    [{ destination_id: 'dst_b' }, 'pending'],
    [{ destination_id: 'dst_a', created_at: H + 2 * HOUR_MS }, 'pending'],
    [{ destination_id: 'dst_a', sent_keys: 12 }, 'pending'],
    [{ destination_id: 'dst_a', sent_keys: 3 }, 'pending'],
    [{ destination_id: 'dst_a' }, 'delivered'],
    [{ destination_id: 'dst_a' }, 'dead'],
  ];
  for (const [over, status] of inputs) counts.add(delivery(over), status, 1);
  const keys = counts.list().map(countKey);
  assert.equal(keys.length, inputs.length);
  assert.deepEqual(keys, [...keys].sort());
  assert.equal(keys[0], `dst_a\u0000${H}\u0000dead\u00005`);
  assert.equal(keys.at(-1), `dst_b\u0000${H}\u0000pending\u00005`);
  // String order: sent_keys 12 sorts before 3.
  assert.ok(
    keys.indexOf(`dst_a\u0000${H}\u0000pending\u000012`) <
      keys.indexOf(`dst_a\u0000${H}\u0000pending\u00003`),
  );
});
