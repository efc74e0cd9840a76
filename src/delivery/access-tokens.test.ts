import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'typebox';
import { buildBatches } from '../destinations/shared/build.js';
import {
  type AccessTokenFlow,
  CONSENT_GRANTED,
  type Destination,
  type HttpRequest,
  type OutboundEvent,
} from '../destinations/types.js';
import { ManualClock } from '../lib/clock.js';
import { AccessTokenCache, type TokenResult } from './access-tokens.js';
import { type Attempted, deliverBatch } from './deliver-batch.js';
import type { HttpSender, SendResult } from './http-client.js';
import { serializeBody } from './http-client.js';

const T0 = 1_700_000_000_000;
const ok = (token: string, expiresAt: number): TokenResult => ({ ok: true, token, expiresAt });

describe('AccessTokenCache', () => {
  it('keeps a token until a minute before it expires, then fetches a new one', async () => {
    const cache = new AccessTokenCache();
    let fetches = 0;
    const fetch = async () => ok(`t${++fetches}`, T0 + 3600_000);
    assert.deepEqual(await cache.get('k', T0, fetch), ok('t1', T0 + 3600_000));
    assert.equal((await cache.get('k', T0 + 3539_999, fetch)).ok && fetches, 1);
    const renewed = await cache.get('k', T0 + 3540_000, async () => ok('t2', T0 + 7200_000));
    assert.deepEqual(renewed, ok('t2', T0 + 7200_000));
  });

  it('a short-lived token is kept for half its life', async () => {
    const cache = new AccessTokenCache();
    await cache.get('k', T0, async () => ok('short', T0 + 60_000));
    assert.deepEqual(await cache.get('k', T0 + 29_999, async () => ok('x', 0)), ok('short', T0 + 60_000));
    assert.deepEqual(
      await cache.get('k', T0 + 30_000, async () => ok('x', T0 + 90_000)),
      ok('x', T0 + 90_000),
    );
  });

  it('single flight: concurrent callers share one fetch, its failure too, which is not remembered', async () => {
    const cache = new AccessTokenCache();
    let fetches = 0;
    let release: (result: TokenResult) => void = () => {};
    const fetch = () => {
      fetches += 1;
      return new Promise<TokenResult>((resolve) => {
        release = resolve;
      });
    };
    const both = Promise.all([cache.get('k', T0, fetch), cache.get('k', T0, fetch)]);
    const failure: TokenResult = { ok: false, kind: 'retry', message: 'down', statusCode: 503 };
    release(failure);
    assert.deepEqual(await both, [failure, failure]);
    assert.equal(fetches, 1);
    assert.equal(cache.size, 0);
    await cache.get('k', T0, async () => ok('t', T0 + 3600_000));
    assert.equal(cache.size, 1);
  });

  it('bounded: the least recently used token leaves first', async () => {
    const cache = new AccessTokenCache({ maxEntries: 2 });
    const never = async (): Promise<TokenResult> => assert.fail('fetched again');
    await cache.get('a', T0, async () => ok('A', T0 + 3600_000));
    await cache.get('b', T0, async () => ok('B', T0 + 3600_000));
    await cache.get('a', T0, never);
    await cache.get('c', T0, async () => ok('C', T0 + 3600_000));
    assert.equal(cache.size, 2);
    assert.deepEqual(await cache.get('a', T0, never), ok('A', T0 + 3600_000));
    assert.deepEqual(await cache.get('b', T0, async () => ok('B2', T0 + 3600_000)), ok('B2', T0 + 3600_000));
  });

  it('invalidate forgets only the token it names', async () => {
    const cache = new AccessTokenCache();
    await cache.get('k', T0, async () => ok('old', T0 + 3600_000));
    cache.invalidate('k', 'other');
    assert.equal(cache.size, 1);
    cache.invalidate('k', 'old');
    assert.equal(cache.size, 0);
  });
});

describe('deliverBatch with an access-token flow', () => {
  /** A platform whose API wants `Bearer <token>` and whose token endpoint is `<urls.oauthToken>`. */
  const flow: AccessTokenFlow<unknown> = {
    urlName: 'oauthToken',
    credentialKey: () => 'cred-1',
    request: (_config, tokenUrl, nowSeconds) => ({
      method: 'POST',
      url: tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      encoding: 'form',
      body: { grant_type: 'refresh_token', at: String(nowSeconds) },
      refs: [],
    }),
    parse: (response) => {
      if (response.status === 200) {
        const body = JSON.parse(response.body) as { access_token: string; expires_in: number };
        return { kind: 'token', accessToken: body.access_token, expiresInSeconds: body.expires_in };
      }
      if (response.status === 400) return { kind: 'rejected', message: `refused: ${response.body}` };
      return { kind: 'retry', message: `token endpoint HTTP ${response.status}` };
    },
  };
  const adapter: Destination<unknown> = {
    type: 'google_ads',
    label: 'Token platform',
    configSchema: Type.Object({}),
    limits: { maxBatchSize: 100, maxEventAgeSeconds: 7 * 86400, requestsPerSecond: 10 },
    parseConfig: (raw) => ({ ok: true, config: raw }),
    isTestMode: () => false,
    plan: (_config, env) => ({
      maxBatchSize: 100,
      map: (e) => (e.customEventName === 'skip' ? { skip: 'nothing to match' } : { event: { ref: e.ref } }),
      envelope: (batch) => ({
        url: `${env.baseUrl}/events`,
        headers: (env.accessToken === undefined
          ? {}
          : { authorization: `Bearer ${env.accessToken}` }) as Record<string, string>,
        body: { refs: batch.map((e) => e.ref ?? null) },
      }),
    }),
    build: (events, config, env) => buildBatches(events, adapter.plan(config, env)),
    classify: (response) =>
      response.status === 200
        ? { kind: 'delivered', message: 'request r-1' }
        : response.status === 401
          ? { kind: 'rejected', message: 'UNAUTHENTICATED', credentials: true }
          : { kind: 'retry', message: `HTTP ${response.status}` },
    accessToken: flow,
  };

  const event = (ref: string, customEventName?: string): OutboundEvent => ({
    ref,
    eventName: 'Purchase',
    ...(customEventName === undefined ? {} : { eventName: 'Custom' as const, customEventName }),
    eventId: ref,
    eventTime: T0 / 1000,
    userData: {},
    customData: {},
    defaultCountry: 'US',
    consent: CONSENT_GRANTED,
  });

  /** Token requests answered by `token()`, API requests by `api(authorization)`; every request recorded. */
  function platform(token: () => SendResult, api: (authorization: string | undefined) => number) {
    const sent: HttpRequest[] = [];
    const sender: HttpSender = {
      send: async (req) => {
        sent.push(req);
        if (req.url.endsWith('/token')) return token();
        const status = api(req.headers.authorization);
        return { ok: true, response: { status, headers: {}, body: '{}' } };
      },
      close: async () => {},
    };
    return { sender, sent };
  }
  const issued = (token: string): SendResult => ({
    ok: true,
    response: { status: 200, headers: {}, body: JSON.stringify({ access_token: token, expires_in: 3600 }) },
  });

  async function deliver(
    sender: HttpSender,
    tokens: AccessTokenCache,
    events: OutboundEvent[],
    clock = new ManualClock(T0),
  ) {
    const deliveries = new Map<string, Attempted>(
      events.map((e) => [e.ref, { id: e.ref, attempts: 0, give_up_at: T0 + 86400_000 }]),
    );
    return deliverBatch(
      { sender, clock, retry: { backoffBaseMs: 1000, backoffCapMs: 60_000 }, tokens },
      {
        adapter,
        config: {},
        env: { baseUrl: 'https://api.test' },
        events,
        deliveries,
        auth: { destinationId: 'dst_1', urls: { oauthToken: 'https://auth.test/token' } },
      },
    );
  }

  it('fetches a token once, sends it as Bearer, reuses it for the next batch; the outcome keeps the message', async () => {
    const tokens = new AccessTokenCache();
    const { sender, sent } = platform(
      () => issued('tok-1'),
      (auth) => (auth === 'Bearer tok-1' ? 200 : 401),
    );
    const first = await deliver(sender, tokens, [event('a'), event('b', 'skip')]);
    assert.deepEqual(
      first.outcomes.map((o) => [o.delivery.id, o.status, o.message]),
      [
        ['b', 'skipped', 'nothing to match'],
        ['a', 'delivered', 'request r-1'],
      ],
    );
    await deliver(sender, tokens, [event('c')]);
    assert.deepEqual(
      sent.map((r) => r.url),
      ['https://auth.test/token', 'https://api.test/events', 'https://api.test/events'],
    );
    assert.equal(serializeBody(sent[0]!), `grant_type=refresh_token&at=${T0 / 1000}`);
    assert.equal(JSON.stringify(first.outcomes).includes('tok-1'), false, 'no token in an outcome');
  });

  it('a 401 drops the token, fetches a fresh one and resends that request once', async () => {
    const tokens = new AccessTokenCache();
    let n = 0;
    const { sender, sent } = platform(
      () => issued(`tok-${++n}`),
      (auth) => (auth === 'Bearer tok-2' ? 200 : 401),
    );
    const result = await deliver(sender, tokens, [event('a')]);
    assert.deepEqual(
      sent.map((r) => [r.url, r.headers.authorization]),
      [
        ['https://auth.test/token', undefined],
        ['https://api.test/events', 'Bearer tok-1'],
        ['https://auth.test/token', undefined],
        ['https://api.test/events', 'Bearer tok-2'],
      ],
    );
    assert.equal(result.outcomes[0]?.status, 'delivered');
    assert.equal(result.credentialsRejected, null);
  });

  it('a second 401 is the credentials: the destination is held', async () => {
    const tokens = new AccessTokenCache();
    let n = 0;
    const { sender, sent } = platform(
      () => issued(`tok-${++n}`),
      () => 401,
    );
    const result = await deliver(sender, tokens, [event('a')]);
    assert.equal(sent.length, 4);
    assert.equal(result.credentialsRejected, 'UNAUTHENTICATED');
    assert.equal(result.outcomes[0]?.status, 'pending', 'the event waits behind the held destination');
  });

  it('the token endpoint refuses the credentials: every sendable event waits with its words, the destination held', async () => {
    const { sender, sent } = platform(
      () => ({ ok: true, response: { status: 400, headers: {}, body: 'invalid_grant' } }),
      () => 200,
    );
    const result = await deliver(sender, new AccessTokenCache(), [
      event('a'),
      event('b'),
      event('s', 'skip'),
    ]);
    assert.equal(sent.length, 1, 'nothing sent to the API');
    assert.equal(result.credentialsRejected, 'refused: invalid_grant');
    assert.deepEqual(
      result.outcomes.map((o) => [o.delivery.id, o.status, o.outcome, o.statusCode, o.message]),
      [
        ['s', 'skipped', 'skipped', null, 'nothing to match'],
        ['a', 'pending', 'rejected', 400, 'refused: invalid_grant'],
        ['b', 'pending', 'rejected', 400, 'refused: invalid_grant'],
      ],
    );
  });

  it('the token endpoint down or silent: every event pending again, a transient failure', async () => {
    for (const answer of [
      { ok: true, response: { status: 503, headers: {}, body: '' } },
      { ok: false, kind: 'timeout', message: 'no answer within 10000 ms' },
    ] as SendResult[]) {
      const { sender } = platform(
        () => answer,
        () => 200,
      );
      const result = await deliver(sender, new AccessTokenCache(), [event('a')]);
      assert.equal(result.transientFailure, true);
      assert.equal(result.credentialsRejected, null);
      assert.equal(result.outcomes[0]?.status, 'pending');
      assert.match(result.outcomes[0]?.message ?? '', /token endpoint/);
    }
  });
});
