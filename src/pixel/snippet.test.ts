import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pixelSnippet } from './snippet.js';

test('the snippet: stub queue, init with the key, async versioned script on the proxy host', () => {
  assert.equal(
    pixelSnippet('t.shop.example', 'pk_Ab3-_x', 'a1b2c3'),
    '<script>window.tagbridge=window.tagbridge||function(){(tagbridge.q=tagbridge.q||[]).push(arguments)};' +
      "tagbridge('init',{key:'pk_Ab3-_x'});</script>" +
      '<script async src="https://t.shop.example/p.js?v=a1b2c3"></script>',
  );
  assert.match(pixelSnippet('t.shop.example', 'pk_x'), /src="https:\/\/t\.shop\.example\/p\.js"><\/script>$/);
});

test('the key and host cannot break out of the script string or the attribute', () => {
  const html = pixelSnippet('t.x"<b>', "pk_'</script><b>\u2028");
  assert.ok(html.includes("{key:'pk_\\u0027\\u003c\\u002fscript\\u003e\\u003cb\\u003e\\u2028'}"));
  assert.equal(html.match(/<\/script>/g)?.length, 2);
  assert.ok(!html.includes('<b>'));
  assert.ok(html.includes('src="https://t.x%22%3Cb%3E/p.js"'));
});
