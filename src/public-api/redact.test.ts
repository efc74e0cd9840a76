import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUrl } from './redact.js';

test('click ids and e-mail addresses leave the URL; the rest stays', () => {
  assert.equal(
    redactUrl(
      'https://shop.example.com/p/1?utm_source=fb&fbclid=IwAR123&GCLID=abc&ScCid=x&ref=jane%40example.com#top',
    ),
    'https://shop.example.com/p/1?utm_source=fb',
  );
  assert.equal(redactUrl('https://shop.example.com/checkout/'), 'https://shop.example.com/checkout/');
  assert.equal(
    redactUrl('https://user:pw@shop.example.com/?ttclid=1&q=shoes'),
    'https://shop.example.com/?q=shoes',
  );
  assert.equal(redactUrl('not a url with jane@example.com'), '');
});
