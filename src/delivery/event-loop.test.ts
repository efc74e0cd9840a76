/**
 * A large batch does not hold the event loop: opening and building 2,000 events let timers and other
 * callbacks run in between (with `--role all` those are the ingest requests). Observed, not timed: a timer
 * set before the work must have fired by the time the work is done, and the loop must have turned many
 * times meanwhile.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { getDestination } from '../destinations/registry.js';
import { CONSENT_GRANTED, type HttpRequest, type OutboundEvent } from '../destinations/types.js';
import { payloadEntry } from '../ingest/sealed-payload.js';
import { ManualClock } from '../lib/clock.js';
import { Sealer } from '../lib/crypto.js';
import { sealGroup } from '../storage/pii-groups.js';
import type { DeliverableEvent, LeasedDelivery } from '../storage/repos/deliveries.js';
import { type Attempted, deliverBatch, nextTurn } from './deliver-batch.js';
import type { HttpSender } from './http-client.js';
import { openEvents } from './open-events.js';

const T0 = Date.UTC(2026, 0, 15, 12);
const COUNT = 2000;

/** Counts turns of the event loop (one per check phase) and whether a 0 ms timer has fired, until stopped. */
function watchLoop(): { turns: () => number; timerFired: () => boolean; stop: () => void } {
  let turns = 0;
  let fired = false;
  let running = true;
  const tick = () => {
    if (!running) return;
    turns += 1;
    setImmediate(tick);
  };
  setImmediate(tick);
  const timer = setTimeout(() => {
    fired = true;
  }, 0);
  return {
    turns: () => turns,
    timerFired: () => fired,
    stop: () => {
      running = false;
      clearTimeout(timer);
    },
  };
}

const userData = (i: number) => ({
  email: `customer${i}@example.com`,
  phone: `+1 650 555 ${String(1000 + (i % 9000)).padStart(4, '0')}`,
  firstName: 'Jane',
  lastName: `Doe${i}`,
  city: 'Menlo Park',
  state: 'CA',
  zip: '94025',
  country: 'US',
  ipAddress: '203.0.113.42',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
});

test('opening a 2,000-event batch lets the event loop turn between chunks', async () => {
  const sealer = new Sealer([randomBytes(32)]);
  const leased: LeasedDelivery[] = [];
  const events = new Map<string, DeliverableEvent>();
  // As the group commit stores them: the personal data of all in one sealed group, a slot each.
  const entries: string[] = [];
  for (let i = 0; i < COUNT; i += 1) {
    const pk = `evt_${i}`;
    leased.push({
      id: `dlv_${i}`,
      event_pk: pk,
      attempts: 0,
      give_up_at: T0 + 3600_000,
      event_received_at: T0,
      lease_owner: 'w',
      lease_expires_at: T0 + 60_000,
      created_at: T0,
      sent_keys: null,
      match_score: null,
    });
    events.set(pk, {
      id: pk,
      event_name: 'Purchase',
      custom_event_name: null,
      event_id: `order-${i}`,
      source: 'PROXY',
      event_time: T0 / 1000 - 5,
      event_source_url: 'https://shop.example.com/checkout',
      custom_data: JSON.stringify({ currency: 'USD', value: 10 + i }),
      match_keys: 'email,phone',
      pii_sealed: null,
      pii_group: 7,
      pii_slot: i,
      consent: null,
    });
    entries.push(payloadEntry({ u: userData(i) }, pk));
  }
  const groups = new Map([[7, sealGroup(sealer, entries)]]);
  const loop = watchLoop();
  const opened = openEvents(
    sealer,
    { type: 'meta', maxEventAgeSeconds: 7 * 86400, leased, events, groups, domain: undefined, now: T0 },
    nextTurn,
  );
  // Nothing ran in between so far: the first chunk runs synchronously.
  assert.equal(loop.turns(), 0);
  const result = await opened;
  loop.stop();
  assert.equal(result.outbound.length, COUNT);
  assert.equal(result.outbound[COUNT - 1]!.userData.email, `customer${COUNT - 1}@example.com`);
  assert.ok(loop.timerFired(), 'a timer set before opening fired before the batch was open');
  assert.ok(loop.turns() >= 10, `the loop turned ${loop.turns()} times while 2,000 events were opened`);
});

test('building a 2,000-event batch lets the event loop turn before the first request goes out', async () => {
  const meta = getDestination('meta');
  const parsed = meta.parseConfig({ pixelId: '1234567890', accessToken: 'EAAB-good-token-1234' });
  assert.ok(parsed.ok);
  const events: OutboundEvent[] = Array.from({ length: COUNT }, (_, i) => ({
    ref: `dlv_${i}`,
    eventName: 'Purchase',
    eventId: `order-${i}`,
    eventTime: T0 / 1000 - 5,
    eventSourceUrl: 'https://shop.example.com/checkout',
    userData: userData(i),
    customData: { currency: 'USD', value: 10 + i },
    defaultCountry: 'US',
    consent: CONSENT_GRANTED,
  }));
  const deliveries = new Map<string, Attempted>(
    events.map((e) => [e.ref, { id: e.ref, attempts: 0, give_up_at: T0 + 3600_000 }]),
  );
  const loop = watchLoop();
  const atSend: Array<{ turns: number; timerFired: boolean; events: number }> = [];
  const sender: HttpSender = {
    send: async (req: HttpRequest) => {
      atSend.push({ turns: loop.turns(), timerFired: loop.timerFired(), events: req.refs.length });
      return { ok: true, response: { status: 200, headers: {}, body: '{"events_received":1}' } };
    },
    close: async () => {},
  };
  const result = await deliverBatch(
    { sender, clock: new ManualClock(T0), retry: { backoffBaseMs: 1000, backoffCapMs: 60_000 } },
    {
      adapter: meta,
      config: parsed.config,
      env: { baseUrl: 'https://graph.test' },
      events,
      deliveries,
    },
  );
  loop.stop();
  assert.equal(result.outcomes.filter((o) => o.status === 'delivered').length, COUNT);
  assert.deepEqual(
    atSend.map((s) => s.events),
    [1000, 1000],
  );
  assert.ok(atSend[0]!.timerFired, 'a timer set before the build fired before the first request');
  assert.ok(
    atSend[0]!.turns >= 10,
    `the loop turned ${atSend[0]!.turns} times while 2,000 events were built`,
  );
});
