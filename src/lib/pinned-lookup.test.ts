/**
 * postToUserUrl (webhooks) pins the connection to the addresses the check approved: the socket never asks
 * DNS again, so a name whose answer changes after the check (rebinding) cannot redirect the call.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { postToUserUrl } from './safe-url.js';

test('the connection goes to the checked address, not to a second lookup', async () => {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(301, { location: 'http://127.0.0.1:1/elsewhere' }).end('moved');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    // `hook.invalid` cannot resolve through DNS: only the checked (injected) answer can be used.
    const res = await postToUserUrl(`http://hook.invalid:${port}/in`, {
      headers: {},
      body: '{"a": 1}',
      timeoutMs: 2000,
      policy: { allowPrivate: true, resolve: async () => ['127.0.0.1'] },
    });
    assert.deepEqual(bodies, ['{"a": 1}'], 'the body arrives byte for byte');
    // A redirect is an answer, not followed, and not a success.
    assert.equal(res.ok, false);
    assert.equal(res.statusCode, 301);
    assert.equal(res.body, 'moved');
    const refused = await postToUserUrl(`https://hook.invalid:${port}/in`, {
      headers: {},
      body: '{}',
      timeoutMs: 2000,
      policy: { allowPrivate: false, resolve: async () => ['127.0.0.1'] },
    });
    assert.match(refused.error ?? '', /^refused: .*loopback/);
    assert.equal(bodies.length, 1);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
