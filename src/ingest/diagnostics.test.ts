import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIAGNOSTIC_FLAGS, diagnosticFlags, diagnosticNames, SharedIpTracker } from './diagnostics.js';

const flagsOf = (userData: Record<string, string>, eventSourceUrl?: string) =>
  diagnosticNames(diagnosticFlags({ domainId: 'dom_a', userData, eventSourceUrl, now: 0 }, undefined));

test('IP flags: not public, with a port, malformed; a public address alone raises none', () => {
  assert.deepEqual(flagsOf({ email: 'a@x.com', ipAddress: '203.0.113.9' }), []);
  assert.deepEqual(flagsOf({ email: 'a@x.com', ipAddress: '10.1.2.3' }), ['ipNotPublic']);
  assert.deepEqual(flagsOf({ email: 'a@x.com', ipAddress: '203.0.113.9:4433' }), ['ipWithPort']);
  assert.deepEqual(flagsOf({ email: 'a@x.com', ipAddress: '[::1]:80' }), ['ipNotPublic', 'ipWithPort']);
  assert.deepEqual(flagsOf({ email: 'a@x.com', ipAddress: '2001:db8::1' }), []);
  assert.deepEqual(flagsOf({ email: 'a@x.com', ipAddress: 'unknown' }), ['ipMalformed']);
});

test('click ids: one in the landing URL but not in the event is flagged; carried ones count', () => {
  const url = 'https://shop.example.com/p?utm_source=x&gclid=Cj0KCQ';
  assert.deepEqual(flagsOf({ email: 'a@x.com' }, url), ['clickIdNotInEvent']);
  assert.deepEqual(flagsOf({ email: 'a@x.com', gclid: 'Cj0KCQ' }, url), ['hasClickId']);
  assert.deepEqual(flagsOf({ email: 'a@x.com' }, 'https://shop.example.com/p?fbclid=IwAR'), [
    'clickIdNotInEvent',
  ]);
  assert.deepEqual(flagsOf({ email: 'a@x.com' }, 'not a url ?gclid=x'), []);
});

test('no identifier: only IP and user agent are not enough', () => {
  assert.deepEqual(flagsOf({ ipAddress: '203.0.113.9', userAgent: 'UA' }), ['noIdentifier']);
  assert.deepEqual(flagsOf({ fbp: 'fb.1.1.1' }), []);
});

test('shared IPs: flagged from the threshold on, per domain, and forgotten after the window', () => {
  const tracker = new SharedIpTracker({ threshold: 3, windowMs: 1000, maxIpsPerDomain: 10, maxDomains: 10 });
  const seen = (domain: string, shopper: string, now: number) =>
    tracker.observe(domain, '198.51.100.1', shopper, now);
  assert.deepEqual(
    ['a', 'a', 'b', 'c', 'd'].map((s) => seen('dom_a', s, 0)),
    [false, false, false, true, true],
  );
  assert.equal(seen('dom_b', 'a', 0), false, 'another domain counts its own shoppers');
  assert.equal(seen('dom_a', 'e', 2000), false, 'the window restarted');
  const flags = diagnosticFlags(
    { domainId: 'dom_a', userData: { email: 'z@x.com', ipAddress: '198.51.100.1' }, now: 2000 },
    tracker,
  );
  assert.equal(flags & DIAGNOSTIC_FLAGS.ipShared, 0);
});

test('the tracker stays bounded: IPs per domain and domains', () => {
  const tracker = new SharedIpTracker({ threshold: 2, windowMs: 60_000, maxIpsPerDomain: 5, maxDomains: 3 });
  for (let d = 0; d < 10; d++) {
    for (let i = 0; i < 50; i++) tracker.observe(`dom_${d}`, `198.51.100.${i}`, 'shopper', 0);
  }
  const domains = (tracker as unknown as { domains: Map<string, Map<number, unknown>> }).domains;
  assert.equal(domains.size, 3);
  for (const ips of domains.values()) assert.ok(ips.size <= 5);
});
