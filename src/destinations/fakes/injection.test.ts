import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startFakeReddit } from '../reddit/fake.js';
import type { FakePlatform } from './common.js';
import { clock, NOW_MS, post, sha256 } from './test-helpers.js';

const body = {
  data: {
    events: [
      {
        event_at: NOW_MS,
        action_source: 'WEBSITE',
        type: { tracking_type: 'PAGE_VISIT' },
        user: { email: sha256('a@b.c') },
      },
    ],
  },
};

/** The mechanics shared by every fake (server.ts), exercised through one of them. */
describe('fake platform failure injection', () => {
  let fake: FakePlatform;
  const send = (signal?: AbortSignal) =>
    post(`${fake.url}/api/v3/pixels/px/conversion_events`, body, {
      headers: { authorization: 'Bearer t' },
      ...(signal === undefined ? {} : { signal }),
    });

  before(async () => {
    fake = await startFakeReddit({ now: clock });
  });
  after(() => fake.close());
  beforeEach(() => fake.reset());

  it('consumes the queue one response per request, then validates strictly again', async () => {
    fake.enqueue({ kind: 'status', status: 500 }, { kind: 'status', status: 503, body: { custom: true } });
    const first = await send();
    const second = await send();
    const third = await send();
    assert.deepEqual([first.status, second.status, third.status], [500, 503, 200]);
    assert.deepEqual(second.body, { custom: true });
    assert.equal(fake.accepted.length, 1, 'injected failures accept nothing');
    assert.deepEqual(
      fake.received.map((r) => [r.injected, r.response.status]),
      [
        ['status', 500],
        ['status', 503],
        [undefined, 200],
      ],
    );
  });

  it('hang delays the answer so a client timeout fires, and still records the request', async () => {
    fake.enqueue({ kind: 'hang', ms: 2000 });
    const started = Date.now();
    await assert.rejects(send(AbortSignal.timeout(100)), (error: Error) => error.name === 'TimeoutError');
    assert.ok(Date.now() - started < 1500);
    assert.equal(fake.received.length, 1);
    assert.equal(fake.received[0]?.injected, 'hang');
    // A late answer is still a processed request: the events were taken in (why timeouts must retry
    // with the same event_id and rely on platform dedup).
    assert.equal(fake.accepted.length, 1);
  });

  it('hang for a short time answers normally after the delay', async () => {
    fake.enqueue({ kind: 'hang', ms: 150 });
    const started = Date.now();
    const res = await send();
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started >= 140);
  });

  it('destroy drops the connection without an answer', async () => {
    fake.enqueue({ kind: 'destroy' });
    await assert.rejects(send());
    assert.equal(fake.received[0]?.injected, 'destroy');
    assert.equal(fake.received[0]?.response.status, 0);
    assert.equal(fake.accepted.length, 0);
    assert.equal((await send()).status, 200);
  });

  it('setDelay slows every answer until reset', async () => {
    fake.setDelay(120);
    let started = Date.now();
    assert.equal((await send()).status, 200);
    assert.ok(Date.now() - started >= 110);
    fake.reset();
    started = Date.now();
    await send();
    assert.ok(Date.now() - started < 100);
  });

  it('reset clears received, accepted and the queue in place', async () => {
    const { received, accepted } = fake;
    fake.enqueue({ kind: 'status', status: 500 });
    fake.reset();
    assert.equal((await send()).status, 200);
    assert.equal(received.length, 1, 'the same array instances keep being filled');
    assert.equal(accepted.length, 1);
  });

  it('close does not wait for a hung request', async () => {
    const own = await startFakeReddit({ now: clock });
    own.enqueue({ kind: 'hang', ms: 60_000 });
    const pending = post(`${own.url}/api/v3/pixels/px/conversion_events`, body, {
      headers: { authorization: 'Bearer t' },
    }).catch(() => 'closed');
    while (own.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await own.close();
    assert.ok(Date.now() - started < 1000);
    assert.equal(await pending, 'closed');
  });
});
