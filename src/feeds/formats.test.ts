import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryFeedCache } from './cache.js';
import { escapeXml } from './formats/google.js';
import { csvField } from './formats/meta.js';
import { cleanText, plainText, truncate, twoDecimals } from './item.js';

test('prices: two decimals, half up, no floating point', () => {
  const cases: Array<[string | null, string | null]> = [
    ['15', '15.00'],
    ['15.5', '15.50'],
    ['9.999', '10.00'],
    ['0.005', '0.01'],
    ['0.004', '0.00'],
    ['1.005', '1.01'],
    ['19,99', '19.99'],
    ['123456789012.34', '123456789012.34'],
    ['', null],
    ['-1', null],
    ['abc', null],
    [null, null],
  ];
  for (const [input, expected] of cases) assert.equal(twoDecimals(input), expected, String(input));
});

test('XML: the five characters escaped, characters XML 1.0 forbids removed', () => {
  assert.equal(escapeXml(`a&b<c>d"e'f`), 'a&amp;b&lt;c&gt;d&quot;e&apos;f');
  assert.equal(escapeXml('x\u0000\u0001\u0008\u000B\u000C\u001F\uFFFEy\tz\n'), 'xy\tz\n');
  assert.equal(escapeXml('lone \uD800 surrogate, pair 😀'), 'lone  surrogate, pair 😀');
});

test('CSV: quoted only when needed, quotes doubled (RFC 4180)', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\r'), '"cr\r"');
  assert.equal(csvField(' padded'), '" padded"');
  assert.equal(csvField('bell\u0007'), 'bell');
});

test('plain text: tags and scripts dropped, entities decoded once, line breaks kept', () => {
  assert.equal(plainText('<p>Great &amp; <b>bold</b></p><p>Second</p>'), 'Great & bold\nSecond');
  assert.equal(plainText('<script>alert(1)</script>safe'), 'safe');
  assert.equal(plainText('a < b and c > d'), 'a < b and c > d');
  assert.equal(plainText('&amp;lt;'), '&lt;');
  assert.equal(plainText('x\r\n\r\n\r\n\r\ny'), 'x\n\ny');
  assert.equal(cleanText('a\u0085b'), 'a\u0085b', 'NEL is allowed in XML 1.0');
});

test('truncation counts code points and never splits a pair', () => {
  assert.equal(truncate('😀😀😀', 2), '😀😀');
  assert.equal(truncate('abc', 5), 'abc');
});

test('the in-process cache drops the least recently used past its byte bound, and older versions of a feed', async () => {
  let now = 0;
  const cache = new MemoryFeedCache(100, () => now);
  const entry = (size: number) => ({
    gzip: [Buffer.alloc(size)],
    gzipBytes: size,
    etag: '"x"',
    products: 1,
    skipped: 0,
    generatedAt: now,
  });
  await cache.set('a', 'a:0', entry(40), 1000);
  await cache.set('b', 'b:0', entry(40), 1000);
  assert.ok(await cache.get('a:0'), 'a is now the most recently used');
  await cache.set('c', 'c:0', entry(40), 1000);
  assert.equal(await cache.get('b:0'), null, 'b was least recently used');
  assert.ok(await cache.get('a:0'));
  assert.equal(cache.totalBytes, 80);
  await cache.set('a', 'a:1', entry(10), 1000);
  assert.equal(await cache.get('a:0'), null, 'a new version replaces the old');
  assert.equal(cache.totalBytes, 50);
  await cache.set('d', 'd:0', entry(500), 1000);
  assert.ok(await cache.get('d:0'), 'the newest entry stays even alone over the bound');
  assert.equal(cache.totalBytes, 500);
  now = 1000;
  assert.equal(await cache.get('d:0'), null, 'expired');
  assert.equal(cache.totalBytes, 0);
});
