import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { checkOutboundUrl, classifyAddress, guardedLookup, postJsonToUserUrl } from './safe-url.js';

describe('classifyAddress', () => {
  const cases: Array<[string, string]> = [
    ['8.8.8.8', 'public'],
    ['93.184.215.14', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link_local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link_local'],
    ['fd00::1', 'unique_local'],
    ['fc12:3456::1', 'unique_local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a9fe:a9fe', 'link_local'],
    ['2002:c0a8:0101::1', 'private'],
    ['2001:db8::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['not-an-ip', 'reserved'],
  ];
  for (const [ip, kind] of cases) {
    test(`${ip} is ${kind}`, () => assert.equal(classifyAddress(ip), kind));
  }
});

describe('checkOutboundUrl', () => {
  const publicResolver = async () => ['93.184.215.14'];
  const rebinding = async () => ['93.184.215.14', '10.0.0.5'];

  test('https to a public address is allowed; http only to private targets when those are allowed', async () => {
    assert.equal(
      (await checkOutboundUrl('https://shop.example/x', { allowPrivate: false, resolve: publicResolver })).ok,
      true,
    );
    const http = await checkOutboundUrl('http://shop.example/x', {
      allowPrivate: true,
      resolve: publicResolver,
    });
    assert.equal(http.ok, false);
    assert.equal((await checkOutboundUrl('http://127.0.0.1:8080/', { allowPrivate: true })).ok, true);
    const refused = await checkOutboundUrl('http://127.0.0.1:8080/', { allowPrivate: false });
    assert.equal(refused.ok, false);
  });

  test('a name with any internal address is refused', async () => {
    const result = await checkOutboundUrl('https://shop.example/x', {
      allowPrivate: false,
      resolve: rebinding,
    });
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /10\.0\.0\.5, a private address/);
  });

  test('a name that does not resolve is refused with the reason', async () => {
    const result = await checkOutboundUrl('https://nowhere.invalid/', {
      allowPrivate: false,
      resolve: async () => {
        throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
      },
    });
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /does not resolve \(ENOTFOUND\)/);
  });
});

describe('guardedLookup (connect-time check against DNS rebinding)', () => {
  test('refuses a name resolving to loopback unless allowed', async () => {
    const lookup = guardedLookup({ allowPrivate: false });
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      lookup('localhost', { all: true }, (err) => resolve(err));
    });
    assert.equal(error?.code, 'ERR_INTERNAL_TARGET');
    const allowed = guardedLookup({ allowPrivate: true });
    const address = await new Promise<string>((resolve, reject) => {
      allowed('localhost', {}, (err, addr) => (err ? reject(err) : resolve(String(addr))));
    });
    assert.ok(classifyAddress(address) === 'loopback');
  });

  test('postJsonToUserUrl: refused before connecting, or called when allowed', async () => {
    let calls = 0;
    const server = createServer((req, res) => {
      calls += 1;
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://localhost:${(server.address() as AddressInfo).port}/cb`;
    try {
      const refused = await postJsonToUserUrl(url, {
        headers: {},
        body: {},
        timeoutMs: 2000,
        policy: { allowPrivate: false },
      });
      assert.equal(refused.ok, false);
      assert.match(refused.error ?? '', /^refused: /);
      assert.equal(calls, 0);
      // The name looked public when checked, but resolves to loopback when the socket connects (rebinding).
      const rebound = await postJsonToUserUrl(url.replace('http:', 'https:'), {
        headers: {},
        body: {},
        timeoutMs: 2000,
        policy: { allowPrivate: false, resolve: async () => ['93.184.215.14'] },
      });
      assert.equal(rebound.ok, false);
      assert.match(rebound.error ?? '', /not allowed as a target/);
      assert.equal(calls, 0);
      const ok = await postJsonToUserUrl(url, {
        headers: { authorization: 'Bearer t' },
        body: { a: 1 },
        timeoutMs: 2000,
        policy: { allowPrivate: true },
      });
      assert.deepEqual(
        { ok: ok.ok, statusCode: ok.statusCode, error: ok.error },
        { ok: true, statusCode: 204, error: null },
      );
      assert.equal(calls, 1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
