import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventName } from '../contract.js';
import { outboundEvent } from '../testing/fixtures.js';
import { freeFormEventName, platformEventName } from './event-name.js';

const DEFAULTS: Record<EventName, string> = {
  PageVisit: 'pv',
  ViewContent: 'vc',
  Search: 's',
  AddToCart: 'atc',
  AddToWishlist: 'atw',
  Purchase: 'p',
  Lead: 'l',
  SignUp: 'su',
  Custom: 'c',
};

describe('event names', () => {
  it('override, else default; blank overrides are ignored', () => {
    const purchase = outboundEvent({ eventName: 'Purchase' });
    assert.equal(platformEventName(purchase, {}, DEFAULTS), 'p');
    assert.equal(
      platformEventName(purchase, { eventNames: { Purchase: ' CompletePayment ' } }, DEFAULTS),
      'CompletePayment',
    );
    assert.equal(platformEventName(purchase, { eventNames: { Purchase: '  ' } }, DEFAULTS), 'p');
  });
  it('free-form platforms send a Custom event under the shop’s name first', () => {
    const custom = outboundEvent({ eventName: 'Custom', customEventName: 'quiz_done' });
    assert.equal(freeFormEventName(custom, { eventNames: { Custom: 'X' } }, DEFAULTS), 'quiz_done');
    const unnamed = outboundEvent({ eventName: 'Custom' });
    assert.equal(freeFormEventName(unnamed, { eventNames: { Custom: 'X' } }, DEFAULTS), 'X');
    assert.equal(freeFormEventName(unnamed, {}, DEFAULTS), 'c');
  });
});
