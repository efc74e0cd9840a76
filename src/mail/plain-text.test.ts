import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainMailText } from './plain-text.js';

test('ordinary names pass as they are', () => {
  for (const name of ['Acme', 'Acme Inc.', 'Müller & Söhne GmbH', 'Shop 24/7', 'Café — Zürich']) {
    assert.equal(plainMailText(name), name);
  }
});

test('CR/LF and other controls become one space; bidi controls are dropped', () => {
  assert.equal(plainMailText('Acme\r\n\r\nBcc: victim@example.org'), 'Acme Bcc: victim@example[.]org');
  assert.equal(plainMailText('A\u0000B\u2028C\tD'), 'A B C D');
  assert.equal(plainMailText('Acme \u202egnp.exe'), 'Acme gnp[.]exe');
});

test('URLs and domain names are defanged', () => {
  assert.equal(
    plainMailText('Claim your prize at https://evil.example/login now'),
    'Claim your prize at https[:]//evil[.]example/login now',
  );
  assert.equal(plainMailText('visit www.evil.co.uk'), 'visit www[.]evil[.]co[.]uk');
  assert.equal(plainMailText('javascript://x'), 'javascript[:]//x');
});

test('long names are cut', () => {
  assert.equal([...plainMailText('x'.repeat(500), 20)].length, 20);
  assert.ok(plainMailText('x'.repeat(500), 20).endsWith('…'));
});
