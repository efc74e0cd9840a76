/**
 * Request bodies for the load phases: a realistic Purchase (the shape of test/harness.ts purchaseEvent())
 * with a unique eventId per event, so ingest dedup never drops one.
 *
 * Bodies are built by splicing a request sequence number into a pre-serialized template: the load
 * generator shares its core with nothing else, but JSON.stringify of 50 events per request would still
 * cost it more than the splice, and a generator that is busy building bodies understates the server.
 */

// Plain text that JSON.stringify leaves as it is (a control character would come out escaped).
const MARK = '@@SEQ@@';

/** One Purchase event; `seq` lands in eventId and orderId. */
export function purchaseEvent(eventId, orderId, eventTime) {
  return {
    eventName: 'Purchase',
    eventTime,
    eventId,
    eventSourceUrl: 'https://shop.example.com/checkout/order-received/123/',
    userData: {
      email: 'Jane.Doe@Example.com',
      phone: '(650) 555-1212',
      firstName: 'Jane',
      lastName: 'Doe',
      city: 'Menlo Park',
      state: 'CA',
      zip: '94025',
      country: 'US',
      ipAddress: '203.0.113.42',
      userAgent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      fbc: 'fb.1.1700000000.AbCdEf',
      fbp: 'fb.1.1700000000.1234567890',
    },
    customData: {
      currency: 'USD',
      value: 49.99,
      orderId,
      contents: [
        { id: 'SKU-001', name: 'Widget', quantity: 1, price: 29.99 },
        { id: 'SKU-002', name: 'Widget cable', quantity: 2, price: 10 },
      ],
      numItems: 3,
    },
  };
}

/** The event id of event `index` of request `seq` in a phase whose ids start with `prefix`. */
export function eventIdOf(prefix, seq, index) {
  return `${prefix}${seq}-${index}`;
}

/** Parses an event id made by eventIdOf back to its request sequence number (or -1). */
export function seqOf(prefix, eventId) {
  if (!eventId.startsWith(prefix)) return -1;
  const dash = eventId.indexOf('-', prefix.length);
  return dash < 0 ? -1 : Number(eventId.slice(prefix.length, dash));
}

/**
 * Returns `(seq) => string`: a `{"events":[…]}` body of `eventsPerRequest` events whose ids are unique
 * per (prefix, seq, index). eventTime is fixed at creation (a few seconds in the past), well inside
 * every platform's maximum age for the length of a run.
 */
export function bodyFactory(eventsPerRequest, prefix) {
  const eventTime = Math.floor(Date.now() / 1000) - 5;
  const events = [];
  for (let i = 0; i < eventsPerRequest; i += 1) {
    events.push(purchaseEvent(`${prefix}${MARK}-${i}`, `T-${MARK}-${i}`, eventTime));
  }
  const parts = JSON.stringify({ events }).split(MARK);
  return (seq) => parts.join(String(seq));
}

/**
 * FNV-1a (32 bits) of an event id. The fake and the checks each add these up mod 2^32 over the distinct ids
 * they saw: with equal counts, equal sums mean the fake received the ids that are stored, without
 * shipping a million ids between processes.
 */
export function idHash(id) {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
