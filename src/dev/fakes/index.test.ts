import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { startFakePlatforms } from './index.js';

async function freePortRange(size: number): Promise<number> {
  // Probe for `size` consecutive free ports starting at a random high port.
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const servers = [];
    let ok = true;
    for (let i = 0; i < size && ok; i++) {
      const server = createServer();
      ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen(base + i, '127.0.0.1', () => resolve(true));
      });
      if (ok) servers.push(server);
    }
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    if (ok) return base;
  }
  throw new Error('no free port range');
}

describe('startFakePlatforms', () => {
  it('starts all seven on ephemeral ports and exposes their origins', async () => {
    const fakes = await startFakePlatforms();
    try {
      const urls = Object.values(fakes.urls);
      assert.equal(new Set(urls).size, 7);
      for (const url of urls) assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(fakes.urls.META_GRAPH_URL, fakes.meta.url);
      assert.equal(fakes.urls.REDDIT_API_URL, fakes.reddit.url);
      assert.equal(fakes.urls.GA4_API_URL, fakes.ga4.url);
      assert.equal(fakes.urls.MICROSOFT_CAPI_URL, fakes.microsoft.url);
      assert.deepEqual(
        [
          fakes.meta.name,
          fakes.tiktok.name,
          fakes.pinterest.name,
          fakes.snapchat.name,
          fakes.reddit.name,
          fakes.ga4.name,
          fakes.microsoft.name,
        ],
        ['meta', 'tiktok', 'pinterest', 'snapchat', 'reddit', 'ga4', 'microsoft'],
      );
      const res = await fetch(`${fakes.urls.TIKTOK_API_URL}/open_api/v1.3/event/track/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'access-token': 'any' },
        body: '{}',
      });
      assert.equal(res.status, 200);
      assert.equal(fakes.tiktok.received.length, 1);
      fakes.reset();
      assert.equal(fakes.tiktok.received.length, 0);
    } finally {
      await fakes.close();
    }
  });

  it('uses fixed consecutive ports from basePort, and passes shared options down', async () => {
    const base = await freePortRange(7);
    const fakes = await startFakePlatforms({ basePort: base, validTokens: ['only-this'] });
    try {
      assert.equal(fakes.urls.META_GRAPH_URL, `http://127.0.0.1:${base}`);
      assert.equal(fakes.urls.REDDIT_API_URL, `http://127.0.0.1:${base + 4}`);
      assert.equal(fakes.urls.MICROSOFT_CAPI_URL, `http://127.0.0.1:${base + 6}`);
      const res = await fetch(`${fakes.urls.PINTEREST_API_URL}/v5/ad_accounts/1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer other' },
        body: '{"data":[]}',
      });
      assert.equal(res.status, 401);
    } finally {
      await fakes.close();
    }
  });

  it('fails cleanly when a port is taken, closing the fakes that did start', async () => {
    const first = await startFakePlatforms();
    try {
      const taken = Number(new URL(first.urls.SNAPCHAT_API_URL).port);
      await assert.rejects(startFakePlatforms({ snapchat: { port: taken } }), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
