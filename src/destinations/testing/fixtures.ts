/**
 * Test-only fixtures shared by the adapter tests: one rich Purchase, one bare PageVisit, one Custom
 * event, and a builder taking partials over sensible defaults. Kept small enough to review.
 */

import { CONSENT_GRANTED, type HttpRequest, type HttpResponse, type OutboundEvent } from '../contract.js';
import { sha256Hex } from '../normalize/hash.js';

/** 2026-11-20T12:00:00Z */
export const EVENT_TIME = 1795176000;

export function outboundEvent(partial: Partial<OutboundEvent> = {}): OutboundEvent {
  return {
    ref: 'dlv_1',
    eventName: 'PageVisit',
    eventId: 'evt-1',
    eventTime: EVENT_TIME,
    userData: {},
    customData: {},
    defaultCountry: 'US',
    consent: CONSENT_GRANTED,
    ...partial,
  };
}

export const richPurchase: OutboundEvent = outboundEvent({
  ref: 'dlv_purchase',
  eventName: 'Purchase',
  eventId: 'order-1001',
  eventSourceUrl: 'https://shop.example.com/checkout/order-received/1001',
  referrerUrl: 'https://shop.example.com/checkout',
  userData: {
    email: ' John_Smith@Gmail.com ',
    phone: '(650) 555-1212',
    firstName: 'Mary',
    lastName: "O'Brien",
    gender: 'Female',
    dateOfBirth: '2/16/1997',
    city: 'San Francisco',
    state: 'California',
    zip: '94107-1234',
    country: 'United States',
    externalId: 'cust-42',
    ipAddress: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (Macintosh) Test',
    fbc: 'fb.1.1795170000000.IwAR0abc',
    fbp: 'fb.1.1795170000000.1234567890',
    ttclid: 'E.C.P.ttclid-1',
    ttp: 'ttp-cookie-1',
    epik: 'dj0yJnU9epik-1',
    scClickId: 'sc-click-1',
    scCookie1: 'scid-cookie-1',
    rdtClickId: 'rdt-click-1',
    rdtUuid: '1795170000000.rdt-uuid-1',
  },
  customData: {
    value: 129.99,
    currency: 'usd',
    orderId: 'order-1001',
    numItems: 3,
    contents: [
      { id: 'SKU-1', quantity: 2, price: 49.99, name: 'Blue Mug', category: 'Kitchen', brand: 'Acme' },
      { id: 'SKU-2', quantity: 1, price: 30.01, name: 'Green Tea' },
    ],
  },
});

/** A page view with only what every browser request has: the server-observed IP and user agent. */
export const barePageVisit: OutboundEvent = outboundEvent({
  ref: 'dlv_page',
  eventName: 'PageVisit',
  eventId: 'evt-page-1',
  userData: { ipAddress: '198.51.100.4', userAgent: 'Mozilla/5.0 Bare' },
});

export const customEvent: OutboundEvent = outboundEvent({
  ref: 'dlv_custom',
  eventName: 'Custom',
  customEventName: 'newsletter_signup_popup',
  eventId: 'evt-custom-1',
  eventSourceUrl: 'https://shop.example.com/',
  userData: { email: 'fan@example.com', ipAddress: '198.51.100.4', userAgent: 'Mozilla/5.0 Bare' },
  customData: { value: 5, currency: 'EUR' },
});

/** `h('mary')`: expected hashes are written as the normalized cleartext, so a reviewer can check them. */
export function h(normalized: string): string {
  return sha256Hex(normalized);
}

/** `n` copies of the bare page visit with distinct refs and ids. */
export function manyEvents(n: number): OutboundEvent[] {
  return Array.from({ length: n }, (_, i) => ({ ...barePageVisit, ref: `dlv_${i}`, eventId: `evt-${i}` }));
}

export function response(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

/** A request fixture for classification tests that need refs (per-event outcomes). */
export function requestWithRefs(refs: string[]): HttpRequest {
  return { method: 'POST', url: 'https://example.invalid/', headers: {}, body: null, refs };
}

export const ENV = { baseUrl: 'https://platform.test' } as const;
