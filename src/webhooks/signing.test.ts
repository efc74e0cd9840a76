import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, secretKey, sign, webhookHeaders } from './signing.js';

interface Vector {
  secret: string;
  headers: Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;
  payload: string;
}

const VECTOR_PATHS = [
  new URL('../../../shared/samples/webhooks/standard-webhooks-vector.json', import.meta.url),
  new URL('./testdata/standard-webhooks-vector.json', import.meta.url),
];

test('the Standard Webhooks vector reproduces byte for byte', () => {
  // The copy in testdata/ is the shared sample as published; both must give the same signature.
  let checked = 0;
  for (const path of VECTOR_PATHS) {
    let vector: Vector;
    try {
      vector = JSON.parse(readFileSync(path, 'utf8')) as Vector;
    } catch {
      continue;
    }
    const headers = webhookHeaders({
      id: vector.headers['webhook-id'],
      timestampSeconds: Number(vector.headers['webhook-timestamp']),
      body: vector.payload,
      secrets: [vector.secret],
    });
    assert.deepEqual(headers, vector.headers);
    checked += 1;
  }
  assert.ok(checked >= 1, 'the vector was read');
  // Written from the vector's documentation, not computed here.
  assert.equal(
    sign(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    ),
    'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  );
});

test('a new secret is whsec_ + base64 of 32 random bytes, and the official library verifies what it signs', () => {
  const secret = generateWebhookSecret();
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(secretKey(secret).length, 32);
  const body = '{"type":"webhook.ping","timestamp":"2026-12-06T10:00:00.000Z","data":{}}';
  const timestampSeconds = Math.floor(Date.now() / 1000);
  const headers = webhookHeaders({ id: 'msg_1', timestampSeconds, body, secrets: [secret] });
  assert.deepEqual(new Webhook(secret).verify(body, { ...headers }), JSON.parse(body));
});

test('during a rotation both signatures are sent, and a receiver with either secret verifies', () => {
  const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
  const body = '{"a":1}';
  const headers = webhookHeaders({
    id: 'msg_2',
    timestampSeconds: Math.floor(Date.now() / 1000),
    body,
    secrets: [current, previous],
  });
  assert.equal(headers['webhook-signature'].split(' ').length, 2);
  assert.deepEqual(new Webhook(current).verify(body, { ...headers }), { a: 1 });
  assert.deepEqual(new Webhook(previous).verify(body, { ...headers }), { a: 1 });
  assert.throws(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers }));
});
