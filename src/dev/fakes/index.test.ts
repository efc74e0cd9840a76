import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { fetchAccessToken } from '../../delivery/access-tokens.js';
import { UndiciSender } from '../../delivery/http-client.js';
import { DESTINATION_TYPES, destinations } from '../../destinations/registry.js';
import { customEvent, EVENT_TIME, richPurchase } from '../../destinations/testing/fixtures.js';
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
  it('starts one fake per registered destination on ephemeral ports and exposes their origins', async () => {
    const fakes = await startFakePlatforms();
    try {
      const origins = DESTINATION_TYPES.map((type) => fakes[type].url);
      assert.equal(new Set(origins).size, DESTINATION_TYPES.length);
      for (const origin of origins) assert.match(origin, /^http:\/\/127\.0\.0\.1:\d+$/);
      // Every URL variable a destination declares points at its fake (under the path the fake serves it on).
      for (const type of DESTINATION_TYPES) {
        for (const url of Object.values(destinations[type].urls)) {
          assert.equal(fakes.urls[url.env], `${fakes[type].url}${url.fakePath ?? ''}`, url.env);
        }
      }
      assert.equal(fakes.urls.META_GRAPH_URL, fakes.meta.url);
      assert.equal(fakes.urls.REDDIT_API_URL, fakes.reddit.url);
      assert.equal(fakes.urls.GA4_API_URL, fakes.ga4.url);
      assert.equal(fakes.urls.MICROSOFT_CAPI_URL, fakes.microsoft.url);
      assert.deepEqual(
        DESTINATION_TYPES.map((type) => fakes[type].name),
        [...DESTINATION_TYPES],
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
    const base = await freePortRange(DESTINATION_TYPES.length);
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
      const taken = Number(new URL(first.snapchat.url).port);
      await assert.rejects(startFakePlatforms({ snapchat: { port: taken } }), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});

describe('every registered destination has a fake', () => {
  for (const type of DESTINATION_TYPES) {
    it(`${type}: its fake takes what the adapter builds from the sample config, live and in test mode`, async () => {
      const destination = destinations[type];
      const tokenPath =
        destination.accessToken === undefined
          ? undefined
          : destination.urls[destination.accessToken.urlName]?.fakePath;
      const parsed = destination.parseConfig(destination.sampleConfig);
      assert.ok(parsed.ok);
      const start = await destination.fake();
      // The fixtures' events happened at EVENT_TIME; an hour later none is too old for any platform.
      const fake = await start({ now: () => (EVENT_TIME + 3600) * 1000 });
      const sender = new UndiciSender(5000);
      try {
        assert.equal(fake.name, type);
        const modes: boolean[] = [];
        // A platform with access tokens: one from its fake's token endpoint, as the worker gets it.
        const flow = destination.accessToken;
        let accessToken: string | undefined;
        if (flow !== undefined) {
          const tokenUrl = `${fake.url}${destination.urls[flow.urlName]?.fakePath ?? ''}`;
          const token = await fetchAccessToken(sender, flow, parsed.config, tokenUrl, Date.now());
          assert.ok(token.ok, JSON.stringify(token));
          accessToken = token.token;
        }
        for (const forceTestMode of [false, true]) {
          const env = {
            baseUrl: fake.url,
            forceTestMode,
            ...(accessToken === undefined ? {} : { accessToken }),
          };
          const { requests } = destination.build([richPurchase, customEvent], parsed.config, env);
          assert.ok(requests.length > 0);
          for (const request of requests) {
            const sent = await sender.send(request);
            assert.ok(sent.ok, JSON.stringify(sent));
            const verdict = destination.classify(sent.response, request);
            assert.equal(verdict.kind, 'delivered', sent.response.body);
            modes.push(forceTestMode);
          }
        }
        assert.deepEqual(
          fake.received.filter((request) => request.path !== tokenPath).map((request) => request.testMode),
          modes,
        );
      } finally {
        await sender.close();
        await fake.close();
      }
    });
  }
});
