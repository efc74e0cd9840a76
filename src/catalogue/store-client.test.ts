import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RunStoppedError,
  retryAfterMs,
  StoreClient,
  type StoreResponse,
  type StoreTransport,
  StoreUnavailableError,
  type Waits,
} from './store-client.js';

/** Waits that move a counter instead of sleeping, and remember every wait. */
function fakeWaits(start = 1_000_000): Waits & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

const answer = (status: number, headers: Record<string, string> = {}): StoreResponse => ({
  status,
  headers,
  body: '',
});

function scripted(...answers: Array<StoreResponse | { error: string }>): StoreTransport & { calls: number } {
  const transport = Object.assign(
    async () => {
      transport.calls += 1;
      return answers.shift() ?? answer(200);
    },
    { calls: 0 },
  );
  return transport;
}

describe('StoreClient', () => {
  it('retries 429 and 5xx with backoff, honouring Retry-After, then returns the answer', async () => {
    const waits = fakeWaits();
    const transport = scripted(
      answer(503),
      answer(429, { 'retry-after': '7' }),
      { error: 'timeout' },
      answer(200),
    );
    const client = new StoreClient(transport, { requestsPerSecond: 1000, maxRetries: 5 }, waits);
    const res = await client.send({ method: 'GET', url: 'https://shop.example/x', headers: {} });
    assert.equal(res.status, 200);
    assert.equal(transport.calls, 4);
    // 1 s backoff, then the store's 7 s, then 4 s (third attempt's backoff).
    assert.deepEqual(waits.slept, [1000, 7000, 4000]);
  });

  it('gives up after maxRetries and does not retry a 4xx', async () => {
    const waits = fakeWaits();
    const client = new StoreClient(
      scripted(answer(500), answer(500), answer(500)),
      { requestsPerSecond: 1000, maxRetries: 2 },
      waits,
    );
    await assert.rejects(
      client.send({ method: 'GET', url: 'https://s/x', headers: {} }),
      StoreUnavailableError,
    );
    const four = scripted(answer(404));
    const again = new StoreClient(four, { requestsPerSecond: 1000, maxRetries: 2 }, fakeWaits());
    assert.equal((await again.send({ method: 'GET', url: 'https://s/x', headers: {} })).status, 404);
    assert.equal(four.calls, 1);
  });

  it('does not retry an address the outbound policy refuses', async () => {
    const transport = scripted({ error: 'refused: the URL must use https' });
    const client = new StoreClient(transport, { requestsPerSecond: 1000, maxRetries: 5 }, fakeWaits());
    await assert.rejects(
      client.send({ method: 'GET', url: 'http://s/x', headers: {} }),
      /not allowed: the URL must use https/,
    );
    assert.equal(transport.calls, 1);
  });

  it('paces requests to the configured rate', async () => {
    const waits = fakeWaits();
    const client = new StoreClient(scripted(), { requestsPerSecond: 4, maxRetries: 0 }, waits);
    for (let i = 0; i < 3; i++) await client.send({ method: 'GET', url: 'https://s/x', headers: {} });
    assert.deepEqual(waits.slept, [250, 250]);
  });

  it('a stop ends a long wait within a second and sends nothing more', async () => {
    const waits = fakeWaits();
    let stop = false;
    const transport = scripted(answer(503, { 'retry-after': '60' }));
    const client = new StoreClient(
      transport,
      { requestsPerSecond: 1000, maxRetries: 3 },
      waits,
      async () => {},
      () => stop,
    );
    const sleep = waits.sleep;
    waits.sleep = async (ms) => {
      await sleep(ms);
      if (waits.slept.length === 3) stop = true;
    };
    await assert.rejects(client.send({ method: 'GET', url: 'https://s/x', headers: {} }), RunStoppedError);
    assert.deepEqual(waits.slept, [1000, 1000, 1000]);
    assert.equal(transport.calls, 1);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(retryAfterMs('3', 0), 3000);
    assert.equal(retryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', 4000), 6000);
    assert.equal(retryAfterMs('soon', 0), undefined);
  });
});
