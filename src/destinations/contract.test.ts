/**
 * The contract every registered destination keeps, run over the registry so a new destination is
 * covered the moment it is added: secrets flagged in its config schema, a pure and deterministic
 * build that accounts for every event, and the shared classification of 5xx / 429 / 401 / 4xx.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { OutboundEvent } from './contract.js';
import { destinations, getDestination, isDestinationType } from './registry.js';
import { batchesOf, buildInChunks } from './shared/build.js';
import { secretFields } from './shared/config.js';
import { barePageVisit, customEvent, outboundEvent, response, richPurchase } from './testing/fixtures.js';
import { DESTINATION_TYPES } from './types.js';

const SECRET_NAME = /token|secret|password|apikey|api_key|privatekey/i;
const BASE_URL = 'http://127.0.0.1:4010';

/**
 * A page view as the worker opens it: the page URL is always there (the shop's URL stands in when the event
 * had none), and Microsoft's page load requires it.
 */
const PAGE_VIEW: OutboundEvent = { ...barePageVisit, eventSourceUrl: 'https://shop.example.com/' };

const EVENTS: OutboundEvent[] = [
  richPurchase,
  barePageVisit,
  customEvent,
  outboundEvent({ ref: 'dlv_lead', eventName: 'Lead', userData: { email: 'lead@example.com' } }),
  // Nothing to identify the person: some platforms must skip it, none may drop it silently.
  outboundEvent({ ref: 'dlv_anonymous', eventName: 'ViewContent' }),
];

/**
 * The event the request-level checks build: the page view, or, for a platform that takes only conversions
 * (Google Ads skips page views), the rich Purchase, which every platform sends.
 */
function probeEvent(build: (events: OutboundEvent[]) => { requests: unknown[] }): OutboundEvent {
  return build([PAGE_VIEW]).requests.length > 0 ? PAGE_VIEW : richPurchase;
}

describe('registry', () => {
  it('has one destination per type, under its own type', () => {
    assert.deepEqual(Object.keys(destinations).sort(), [...DESTINATION_TYPES].sort());
    for (const type of DESTINATION_TYPES) {
      assert.equal(getDestination(type).type, type);
      assert.equal(isDestinationType(type), true);
    }
    assert.equal(isDestinationType('myspace'), false);
  });

  it('no two destinations read the same URL variable', () => {
    const variables = DESTINATION_TYPES.flatMap((type) =>
      Object.values(destinations[type].urls).map((url) => url.env),
    );
    assert.deepEqual([...new Set(variables)], variables);
  });

  it('no two destinations answer to the same Pixel Manager name (sync type or event member)', () => {
    const names = DESTINATION_TYPES.map((type) => destinations[type].pixelManager);
    const syncTypes = names.flatMap((n) => n?.syncTypes ?? []);
    const members = names.flatMap((n) => (n?.eventMember === undefined ? [] : [n.eventMember]));
    assert.deepEqual([...new Set(syncTypes)], syncTypes);
    assert.deepEqual([...new Set(members)], members);
  });
});

for (const type of DESTINATION_TYPES) {
  const destination = destinations[type];

  describe(`contract: ${type}`, () => {
    const parsed = destination.parseConfig(destination.sampleConfig);
    assert.ok(parsed.ok, `sample config for ${type} must parse`);
    const config = parsed.config;
    const PROBE = probeEvent((events) => destination.build(events, config, { baseUrl: BASE_URL }));

    it('config schema flags secrets and has the common fields', () => {
      const properties = destination.configSchema.properties as Record<string, { secret?: unknown }>;
      const secrets = Object.entries(properties).filter(([, schema]) => schema.secret === true);
      assert.ok(secrets.length > 0, 'at least one secret field');
      for (const [name, schema] of Object.entries(properties)) {
        if (SECRET_NAME.test(name)) assert.equal(schema.secret, true, `${name} must be marked secret`);
      }
      assert.ok('enabled' in properties);
      // eventNames where the platform names events; Google Ads has none (event types go to conversion
      // actions), so it is common but not required.
      if ('eventNames' in properties)
        assert.equal((properties.eventNames as { type?: unknown }).type, 'object');
      assert.equal(typeof destination.label, 'string');
    });

    it('parseConfig rejects non-objects and missing credentials with readable errors', () => {
      for (const raw of [null, 'x', [], {}]) {
        const result = destination.parseConfig(raw);
        assert.equal(result.ok, false);
        if (!result.ok) assert.ok(result.errors.length > 0 && result.errors.every((e) => e.length > 0));
      }
    });

    it('declares its base URL (and any other) with a variable, an https default and a description', () => {
      assert.ok(destination.urls.api, 'the api URL is the base of every request');
      for (const url of Object.values(destination.urls)) {
        assert.match(url.env, /^[A-Z][A-Z0-9_]*_URL$/);
        assert.match(url.default, /^https:\/\/\S+[^/]$/, `${url.env}: no trailing slash`);
        assert.ok(url.description.endsWith('.'), `${url.env}: a sentence for the README`);
        if (url.fakePath !== undefined) assert.match(url.fakePath, /^\/\S*$/);
      }
    });

    it('maps Pixel Manager settings only onto fields its config schema has', () => {
      const names = destination.pixelManager;
      if (names === undefined) return;
      const fields = Object.keys(destination.configSchema.properties);
      const targets = Object.keys(names.syncFields);
      if (names.syncTestSwitch !== undefined) targets.push(names.syncTestSwitch.target);
      for (const target of targets) assert.ok(fields.includes(target), `${target} is a config field`);
      for (const paths of Object.values(names.syncFields)) assert.ok(paths.length > 0);
    });

    it('states how it applies consent: its folder has a consent.test.ts (testing/consent-matrix.ts)', () => {
      const file = new URL(`./${type}/consent.test.ts`, import.meta.url);
      assert.ok(existsSync(file), `${type}: add ${type}/consent.test.ts with its consent expectations`);
    });

    it('limits are positive and within the platform maxima', () => {
      const { maxBatchSize, maxEventAgeSeconds, requestsPerSecond } = destination.limits;
      assert.ok(Number.isInteger(maxBatchSize) && maxBatchSize >= 1 && maxBatchSize <= 2000);
      // Up to 90 days: Google Ads takes click conversions that old.
      assert.ok(maxEventAgeSeconds >= 24 * 3600 && maxEventAgeSeconds <= 90 * 24 * 3600);
      assert.ok(requestsPerSecond > 0);
    });

    it('built in chunks (as the worker builds) the requests are byte for byte those of build and of events mapped one by one', async () => {
      // Every event twice (values repeat, so the per-build hash memo is used), under fresh refs.
      const events = [...EVENTS, ...EVENTS.map((e) => ({ ...e, ref: `${e.ref}_again` }))];
      const env = { baseUrl: BASE_URL };
      const whole = destination.build(events, config, env);
      let pauses = 0;
      const chunked = await buildInChunks(
        events,
        destination.plan(config, env),
        async () => {
          pauses += 1;
        },
        1,
      );
      assert.equal(pauses, events.length - 1);
      assert.equal(JSON.stringify(chunked), JSON.stringify(whole));
      // Without any memo: each event mapped on its own, batched as the plan batches (GA4 keys its
      // requests by shopper, so these events need several).
      const plan = destination.plan(config, env);
      const mapped = events.map((e) => plan.map(e));
      const alone = mapped.flatMap((m) => ('event' in m ? [m.event] : []));
      assert.equal(
        JSON.stringify(whole.requests.map((r) => r.body)),
        JSON.stringify(batchesOf(plan, alone, (e) => e).map((batch) => plan.envelope(batch).body)),
      );
    });

    it('build is deterministic, leaves its input alone and accounts for every event once', () => {
      const before = structuredClone(EVENTS);
      const first = destination.build(EVENTS, config, { baseUrl: BASE_URL });
      const second = destination.build(structuredClone(EVENTS), config, { baseUrl: BASE_URL });
      assert.deepEqual(first, second);
      assert.deepEqual(EVENTS, before);

      const sent = first.requests.flatMap((r) => r.refs);
      const skipped = first.skipped.map((s) => s.ref);
      assert.deepEqual([...sent, ...skipped].sort(), EVENTS.map((e) => e.ref).sort());
      for (const s of first.skipped) assert.ok(s.reason.length > 0);
      // The rich purchase has every identifier: no platform may skip it.
      assert.ok(sent.includes('dlv_purchase'));

      for (const request of first.requests) {
        assert.equal(request.method, 'POST');
        assert.ok(request.url.startsWith(`${BASE_URL}/`), request.url);
        assert.equal(request.headers['content-type'], 'application/json');
        assert.ok(request.refs.length <= destination.limits.maxBatchSize);
        // The body survives serialization unchanged: no undefined, NaN or class instances.
        assert.deepEqual(JSON.parse(JSON.stringify(request.body)), request.body);
      }
    });

    it('forced test mode changes the request; the sample config is live', () => {
      assert.equal(destination.isTestMode(config), false);
      const live = destination.build([PROBE], config, { baseUrl: BASE_URL }).requests[0];
      const test = destination.build([PROBE], config, { baseUrl: BASE_URL, forceTestMode: true }).requests[0];
      assert.ok(live && test);
      assert.notDeepEqual({ url: test.url, body: test.body }, { url: live.url, body: live.body });
    });

    it('never puts a secret (the access token…) in the body: only in its auth slot', () => {
      const request = destination.build([PROBE], config, { baseUrl: BASE_URL }).requests[0];
      assert.ok(request);
      const sample = destination.sampleConfig as Record<string, unknown>;
      const secrets = secretFields(destination.configSchema).filter((name) => sample[name] !== undefined);
      assert.ok(secrets.length > 0, 'the sample config has its secrets');
      for (const name of secrets) {
        assert.equal(JSON.stringify(request.body).includes(String(sample[name])), false, name);
      }
    });

    it('with an access-token flow: a form-encoded token request; the token only in the Authorization header', () => {
      const flow = destination.accessToken;
      if (flow === undefined) return;
      assert.ok(flow.urlName in destination.urls, `${flow.urlName} is one of its urls`);
      const tokenRequest = flow.request(config, 'https://token.test/token', 1_800_000_000);
      assert.equal(tokenRequest.encoding, 'form');
      assert.equal(tokenRequest.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.deepEqual(tokenRequest.refs, []);
      const key = flow.credentialKey(config);
      const sample = destination.sampleConfig as Record<string, unknown>;
      for (const name of secretFields(destination.configSchema)) {
        if (typeof sample[name] === 'string') assert.equal(key.includes(sample[name]), false, name);
      }
      const env = { baseUrl: BASE_URL, accessToken: 'probe-access-token' };
      const request = destination.build([PROBE], config, env).requests[0];
      assert.ok(request);
      assert.equal(request.headers.authorization, 'Bearer probe-access-token');
      assert.equal(JSON.stringify(request.body).includes('probe-access-token'), false);
    });

    describe('classification', () => {
      const request = destination.build([PROBE], config, { baseUrl: BASE_URL }).requests[0];
      assert.ok(request);

      for (const status of [500, 502, 503, 504]) {
        it(`${status} → retry`, () => {
          assert.equal(
            destination.classify(response(status, '<html>upstream error</html>'), request).kind,
            'retry',
          );
        });
      }

      it('429 → throttled, with Retry-After in ms', () => {
        const verdict = destination.classify(response(429, '', { 'retry-after': '7' }), request);
        assert.equal(verdict.kind, 'throttled');
        if (verdict.kind === 'throttled') assert.equal(verdict.retryAfterMs, 7000);
      });

      it('401 and 403 → rejected, credentials', () => {
        for (const status of [401, 403]) {
          const verdict = destination.classify(response(status, 'Unauthorized'), request);
          assert.deepEqual(
            verdict.kind === 'rejected' ? verdict.credentials : verdict.kind,
            true,
            `${status} gave ${JSON.stringify(verdict)}`,
          );
        }
      });

      it('other 4xx → rejected, not credentials, message kept', () => {
        const verdict = destination.classify(response(400, 'Bad Request: field x'), request);
        assert.deepEqual(verdict, {
          kind: 'rejected',
          credentials: false,
          message: 'HTTP 400: Bad Request: field x',
        });
      });
    });
  });
}
