import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { WEBHOOK_EVENT_TYPE_NAMES, webhookBody } from './events.js';

test('docs/webhooks.md documents every event type, and no other', () => {
  const doc = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Event types and payloads'), doc.indexOf('## For Tagbridge'));
  const documented = new Set([...section.matchAll(/\*\*`([a-z_.]+)`\*\*/g)].map((m) => m[1]!));
  assert.deepEqual([...documented].sort(), [...WEBHOOK_EVENT_TYPE_NAMES, 'webhook.ping'].sort());
  for (const type of [
    'destination.needs_attention',
    'usage.quota_warning',
    'order.unmatched',
    'reconciliation.coverage_dropped',
    'event.failed',
  ])
    assert.ok(section.includes(`{"type":"${type}"`), `an example payload of ${type}`);
});

test('a message body is {"type","timestamp","data"} in that order', () => {
  assert.equal(
    webhookBody('event.failed', { eventId: 'e1' }, Date.UTC(2026, 11, 6, 10)),
    '{"type":"event.failed","timestamp":"2026-12-06T10:00:00.000Z","data":{"eventId":"e1"}}',
  );
});
