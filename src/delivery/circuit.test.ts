import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CircuitBreakers } from './circuit.js';

test('opens after the threshold, lets one probe through after openMs, closes on success', () => {
  const circuits = new CircuitBreakers({ threshold: 3, openMs: 1000 });
  const id = 'dst_1';
  for (let i = 0; i < 2; i += 1) circuits.failure(id, 0);
  assert.equal(circuits.state(id, 0), 'closed');
  circuits.failure(id, 0);
  assert.equal(circuits.state(id, 10), 'open');
  assert.deepEqual(circuits.tryAcquire(id, 500), { allowed: false, probe: false });
  assert.deepEqual(circuits.tryAcquire(id, 1000), { allowed: true, probe: true });
  assert.deepEqual(circuits.tryAcquire(id, 1001), { allowed: false, probe: false }, 'one probe at a time');
  circuits.success(id);
  assert.equal(circuits.state(id, 1002), 'closed');
  assert.deepEqual(circuits.tryAcquire(id, 1002), { allowed: true, probe: false });
});

test('a failed probe opens the circuit again', () => {
  const circuits = new CircuitBreakers({ threshold: 1, openMs: 1000 });
  circuits.failure('d', 0);
  assert.equal(circuits.tryAcquire('d', 1000).probe, true);
  circuits.failure('d', 1000);
  assert.equal(circuits.state('d', 1500), 'open');
  assert.equal(circuits.state('d', 2000), 'half_open');
  assert.equal(circuits.openCount(1500), 1);
});
