import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { response } from '../testing/fixtures.js';
import { classifyByStatus, jsonBody, retryAfterMs, statusMessage, truncate } from './response.js';

describe('retryAfterMs', () => {
  it('reads delta-seconds', () => {
    assert.equal(retryAfterMs(response(429, '', { 'retry-after': '120' })), 120000);
    assert.equal(retryAfterMs(response(429, '', { 'retry-after': '1.5' })), 1500);
  });
  it('reads an HTTP date against the response Date header', () => {
    const headers = { 'retry-after': 'Fri, 20 Nov 2026 12:00:30 GMT', date: 'Fri, 20 Nov 2026 12:00:00 GMT' };
    assert.equal(retryAfterMs(response(503, '', headers)), 30000);
    const past = { 'retry-after': 'Fri, 20 Nov 2026 11:00:00 GMT', date: 'Fri, 20 Nov 2026 12:00:00 GMT' };
    assert.equal(retryAfterMs(response(503, '', past)), 0);
  });
  it('ignores absent or unreadable values', () => {
    assert.equal(retryAfterMs(response(429, '')), undefined);
    assert.equal(retryAfterMs(response(429, '', { 'retry-after': 'soon' })), undefined);
  });
});

describe('classifyByStatus', () => {
  const cases: Array<[number, string, boolean?]> = [
    [200, 'delivered'],
    [204, 'delivered'],
    [301, 'retry'],
    [400, 'rejected', false],
    [401, 'rejected', true],
    [403, 'rejected', true],
    [404, 'rejected', false],
    [408, 'retry'],
    [422, 'rejected', false],
    [429, 'throttled'],
    [500, 'retry'],
    [503, 'retry'],
  ];
  for (const [status, kind, credentials] of cases) {
    it(`${status} → ${kind}`, () => {
      const verdict = classifyByStatus(response(status, ''), 'm');
      assert.equal(verdict.kind, kind);
      if (verdict.kind === 'rejected') assert.equal(verdict.credentials, credentials);
    });
  }
});

describe('messages and bodies', () => {
  it('statusMessage collapses whitespace and bounds length', () => {
    assert.equal(statusMessage(response(502, '<h1>Bad\n  Gateway</h1>')), 'HTTP 502: <h1>Bad Gateway</h1>');
    assert.equal(statusMessage(response(500, '')), 'HTTP 500');
    assert.equal(truncate('x'.repeat(600)).length, 501);
  });
  it('jsonBody only returns objects', () => {
    assert.deepEqual(jsonBody(response(200, { a: 1 })), { a: 1 });
    assert.equal(jsonBody(response(200, '[1]')), undefined);
    assert.equal(jsonBody(response(200, 'not json')), undefined);
  });
});
