import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  attributeOrder,
  ChannelTotals,
  fromMicros,
  indexVisitors,
  MAX_VISITORS_PER_SHOPPER,
  type OrderInput,
  type TouchInput,
  toMicros,
} from './attribute.js';

const DAY = 24 * 3600_000;
const T0 = 1_767_225_600_000;
const touch = (visitorId: string, day: number, channel: string): TouchInput => ({
  visitorId,
  occurredAt: T0 + day * DAY,
  channel,
  utmSource: null,
  utmMedium: null,
  utmCampaign: null,
});
const order = (extra: Partial<OrderInput> = {}): OrderInput => ({
  orderId: '1001',
  eventId: 'purchase_1001',
  visitorId: 'v-phone',
  shopperKey: null,
  value: '49.99',
  currency: 'EUR',
  occurredAt: T0 + 4 * DAY,
  ...extra,
});

describe('attributeOrder', () => {
  const touches = new Map<string, TouchInput[]>([
    [
      'v-phone',
      [touch('v-phone', -40, 'tiktok'), touch('v-phone', 1, 'meta'), touch('v-phone', 5, 'reddit')],
    ],
    ['v-laptop', [touch('v-laptop', 3, 'google_ads')]],
    ['v-stranger', [touch('v-stranger', 2, 'pinterest')]],
  ]);
  const index = indexVisitors([
    { visitorId: 'v-phone', shopperKey: 'k1', lastSeenAt: T0 },
    { visitorId: 'v-laptop', shopperKey: 'k1', lastSeenAt: T0 },
    { visitorId: 'v-stranger', shopperKey: 'k2', lastSeenAt: T0 },
  ]);

  test('the shopper’s visitors within the window: first = earliest, last = latest', () => {
    const a = attributeOrder(order(), index, touches, 30 * DAY);
    assert.deepEqual(
      a.touches.map((t) => t.channel),
      ['meta', 'google_ads'],
    );
    assert.equal(a.first?.channel, 'meta');
    assert.equal(a.last?.channel, 'google_ads');
  });

  test('a wider window reaches older touchpoints; an order found only by shopper key too', () => {
    assert.equal(attributeOrder(order(), index, touches, 45 * DAY).first?.channel, 'tiktok');
    const serverOnly = attributeOrder(order({ visitorId: null, shopperKey: 'k1' }), index, touches, 30 * DAY);
    assert.deepEqual(
      serverOnly.touches.map((t) => t.channel),
      ['meta', 'google_ads'],
    );
  });

  test('no touchpoint: neither first nor last', () => {
    const a = attributeOrder(order({ visitorId: 'v-new' }), index, touches, 30 * DAY);
    assert.equal(a.first, null);
    assert.equal(a.last, null);
  });

  test('one shopper pulls in at most MAX_VISITORS_PER_SHOPPER visitors, the most recently seen', () => {
    const many = Array.from({ length: MAX_VISITORS_PER_SHOPPER + 10 }, (_, i) => ({
      visitorId: `v${i}`,
      shopperKey: 'k',
      lastSeenAt: T0 + i,
    }));
    const list = indexVisitors(many).byShopper.get('k')!;
    assert.equal(list.length, MAX_VISITORS_PER_SHOPPER);
    assert.equal(list[0], `v${MAX_VISITORS_PER_SHOPPER + 9}`);
  });
});

describe('totals', () => {
  test('money is summed exactly per currency', () => {
    assert.equal(toMicros('0.1')! + toMicros('0.2')!, toMicros('0.3'));
    assert.equal(fromMicros(toMicros('19.99')! * 3n), 59.97);
    assert.equal(toMicros('abc'), null);
    assert.equal(fromMicros(toMicros('-5.5')!), -5.5);
  });

  test('first and last click per channel; orders without touchpoints are unattributed', () => {
    const totals = new ChannelTotals();
    const meta = touch('v', 1, 'meta');
    const google = touch('v', 2, 'google_ads');
    totals.add({ order: order({ value: '10.10' }), touches: [meta, google], first: meta, last: google });
    totals.add({ order: order({ value: '0.20' }), touches: [google], first: google, last: google });
    totals.add({ order: order({ value: '5', currency: 'USD' }), touches: [], first: null, last: null });
    assert.deepEqual(totals.list(), [
      {
        channel: 'google_ads',
        firstClick: { orders: 1, revenue: [{ currency: 'EUR', value: 0.2 }] },
        lastClick: { orders: 2, revenue: [{ currency: 'EUR', value: 10.3 }] },
      },
      {
        channel: 'meta',
        firstClick: { orders: 1, revenue: [{ currency: 'EUR', value: 10.1 }] },
        lastClick: { orders: 0, revenue: [] },
      },
    ]);
    assert.deepEqual(totals.unattributed.toJSON(), { orders: 1, revenue: [{ currency: 'USD', value: 5 }] });
    assert.deepEqual(totals.all.toJSON().revenue, [
      { currency: 'EUR', value: 10.3 },
      { currency: 'USD', value: 5 },
    ]);
  });
});
