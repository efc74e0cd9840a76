import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { payloadEntry, payloadOfEntry } from '../ingest/sealed-payload.js';
import { Sealer } from '../lib/crypto.js';
import { dedupKey } from './dedup-key.js';
import {
  assignSlots,
  decideGroup,
  groupClaims,
  type OutboxRequest,
  packGroup,
  sealGroupOf,
} from './outbox-group.js';
import { entryPayload, openGroup } from './pii-groups.js';
import type { NewDelivery, NewEvent } from './schema.js';

// 2026-03-01T12:00:00Z
const NOW = 1_772_366_400_000;

function event(id: string, eventId: string, extra: Partial<NewEvent> = {}): NewEvent {
  return {
    id,
    org_id: 'org_a',
    domain_id: 'dom_a',
    event_name: 'Purchase',
    custom_event_name: null,
    event_id: eventId,
    source: 'PROXY',
    event_time: NOW - 5000,
    received_at: NOW,
    event_source_url: null,
    custom_data: '{"value":1}',
    match_keys: 'em',
    pii_sealed: 'sealed',
    pii_erased_at: null,
    diagnostics: 0,
    ...extra,
  };
}

function delivery(id: string, eventPk: string): NewDelivery {
  return {
    id,
    event_pk: eventPk,
    org_id: 'org_a',
    domain_id: 'dom_a',
    destination_id: 'dst_a',
    destination_type: 'meta',
    status: 'pending',
    attempts: 0,
    next_attempt_at: NOW,
    event_time: NOW - 5000,
    event_received_at: NOW,
    give_up_at: NOW + 1000,
    created_at: NOW,
    updated_at: NOW,
  };
}

/** An event's entry in its group's sealed value: an address that names the event. */
const pii = (pk: string): string => payloadEntry({ u: { email: `${pk}@example.com` } }, pk);

const requests: OutboxRequest[] = [
  {
    orgId: 'org_a',
    countRequest: true,
    expiresAt: NOW + 60_000,
    events: [
      {
        event: event('evt_1', 'order-1'),
        deliveries: [delivery('dlv_1a', 'evt_1'), delivery('dlv_1b', 'evt_1')],
        pii: pii('evt_1'),
      },
      // The same key again in the same request: the first occurrence claims it.
      { event: event('evt_2', 'order-1'), deliveries: [delivery('dlv_2a', 'evt_2')], pii: pii('evt_2') },
      // A custom event deduplicates by its own name.
      {
        event: event('evt_3', 'order-1', { event_name: 'Custom', custom_event_name: 'Quote' }),
        deliveries: [],
        pii: pii('evt_3'),
      },
    ],
  },
  {
    orgId: 'org_b',
    countRequest: false,
    expiresAt: NOW + 1_200_000,
    events: [
      {
        event: event('evt_4', 'order-4', { org_id: 'org_b' }),
        deliveries: [delivery('dlv_4a', 'evt_4')],
        pii: pii('evt_4'),
      },
    ],
  },
  {
    orgId: 'org_a',
    countRequest: true,
    expiresAt: NOW + 60_000,
    events: [
      { event: event('evt_5', 'order-5'), deliveries: [delivery('dlv_5a', 'evt_5')], pii: pii('evt_5') },
    ],
  },
];

test('packGroup: one array per column, rows in request order; absent optional columns are NULL', () => {
  const group = packGroup(requests, NOW);
  assert.deepEqual(group.requests, {
    orgId: ['org_a', 'org_b', 'org_a'],
    countRequest: [1, 0, 1],
    expiresAt: [NOW + 60_000, NOW + 1_200_000, NOW + 60_000],
    eventCount: [3, 1, 1],
  });
  assert.deepEqual(group.events.id, ['evt_1', 'evt_2', 'evt_3', 'evt_4', 'evt_5']);
  assert.deepEqual(group.events.custom_data_sent, [null, null, null, null, null]);
  assert.deepEqual(group.deliveryCount, [2, 1, 0, 1, 1]);
  assert.deepEqual(group.deliveries.id, ['dlv_1a', 'dlv_1b', 'dlv_2a', 'dlv_4a', 'dlv_5a']);
  assert.deepEqual(group.deliveries.lease_owner, [null, null, null, null, null]);
});

test('groupClaims: one claim per distinct key, the first occurrence wins, each with its request window', () => {
  assert.deepEqual(groupClaims(packGroup(requests, NOW)), {
    key: [
      dedupKey('dom_a', 'Purchase', 'order-1'),
      dedupKey('dom_a', 'Custom:Quote', 'order-1'),
      dedupKey('dom_a', 'Purchase', 'order-4'),
      dedupKey('dom_a', 'Purchase', 'order-5'),
    ],
    event_pk: ['evt_1', 'evt_3', 'evt_4', 'evt_5'],
    expires_at: [NOW + 60_000, NOW + 60_000, NOW + 1_200_000, NOW + 60_000],
  });
});

test('decideGroup: the events whose claims won are written with their deliveries; usage per org and day', () => {
  // evt_5's key was still held by an earlier event (its window had not passed).
  const decision = decideGroup(packGroup(requests, NOW), new Set(['evt_1', 'evt_3', 'evt_4']));
  assert.deepEqual([...decision.accepted], [1, 0, 1, 1, 0]);
  assert.deepEqual(decision.eventRows, [0, 2, 3]);
  // dlv_1a, dlv_1b (evt_1) and dlv_4a (evt_4); evt_3 has none.
  assert.deepEqual(decision.deliveryRows, [0, 1, 3]);
  assert.deepEqual(decision.usage, [
    { orgId: 'org_a', day: '2026-03-01', requests: 2, events: 2 },
    { orgId: 'org_b', day: '2026-03-01', requests: 0, events: 1 },
  ]);
});

test('decideGroup: nothing won, nothing written; requests still count', () => {
  const decision = decideGroup(packGroup(requests, NOW), new Set());
  assert.deepEqual([...decision.accepted], [0, 0, 0, 0, 0]);
  assert.deepEqual(decision.eventRows, []);
  assert.deepEqual(decision.deliveryRows, []);
  assert.deepEqual(decision.usage, [
    { orgId: 'org_a', day: '2026-03-01', requests: 2, events: 0 },
    { orgId: 'org_b', day: '2026-03-01', requests: 0, events: 0 },
  ]);
});

test('sealGroupOf: one sealed value of the written events only, a slot each in order; duplicates are not in it', () => {
  const sealer = new Sealer([randomBytes(32)]);
  const group = packGroup(requests, NOW);
  const decision = decideGroup(group, new Set(['evt_1', 'evt_3', 'evt_4']));
  const sealed = sealGroupOf(sealer, group, decision);
  assert.ok(sealed);
  assert.equal(sealed.includes(Buffer.from('evt_2@example.com')), false, 'sealed, not in clear');
  const entries = openGroup(sealer, sealed);
  assert.deepEqual(
    entries.map((entry) => entry?.[0]),
    ['evt_1', 'evt_3', 'evt_4'],
  );
  assignSlots(group, decision, 42);
  assert.deepEqual(group.events.pii_group, [42, null, 42, 42, null]);
  assert.deepEqual(group.events.pii_slot, [0, null, 1, 2, null]);
  assert.deepEqual(payloadOfEntry(entryPayload(entries, 2, 'evt_4')), { u: { email: 'evt_4@example.com' } });
  // An entry opened for another event's row is refused (a swapped slot number).
  assert.throws(() => entryPayload(entries, 1, 'evt_4'), /another event/);
  assert.equal(sealGroupOf(sealer, group, decideGroup(group, new Set())), null);
});
