import type { DestinationDeclaration, JsonValue, OutboundEvent } from '../contract.js';
import { buildBatches, JSON_CONTENT_TYPE, type Mapped, origin } from '../shared/build.js';
import { CONSENT_SKIP } from '../shared/consent.js';
import { isJsonObject } from '../shared/json.js';
import { PERSON_WEIGHTS, PERSONAL_ID_WEIGHTS } from '../shared/match-weights.js';
import { classifyGa4, GA4_DEBUG_PATH } from './classify.js';
import { type Ga4Config, ga4ConfigSchema, parseGa4Config } from './config.js';
import { ga4Event, ga4RequestFields } from './map.js';

/** GA4_API_URL's default (declared in `urls` below), and the EU host that replaces it for `region: 'eu'`. */
export const GA4_DEFAULT_URL = 'https://www.google-analytics.com';
export const GA4_EU_URL = 'https://region1.google-analytics.com';

/**
 * `region: 'eu'` selects Google's EU collection host. An overridden GA4_API_URL (a fake platform, a
 * proxy) is used as it is for both regions: it is the operator's explicit choice.
 */
function collectOrigin(baseUrl: string, config: Ga4Config): string {
  const base = origin(baseUrl);
  return config.region === 'eu' && base === GA4_DEFAULT_URL ? GA4_EU_URL : base;
}

/**
 * A mapped event carries its request-level fields (`request`) beside the GA4 event (`event`): the plan's
 * batch key keeps events with different ones in different requests, and the envelope lifts them to the
 * top level once.
 */
function mapEvent(event: OutboundEvent, config: Ga4Config): Mapped {
  // Analytics consent refused: GA4 has no field for it, so the event is not sent at all.
  if (!event.consent.analytics) return CONSENT_SKIP;
  if (event.passthrough !== undefined) {
    return { skip: 'no browser-built (Pixel Manager) event is known for GA4; send the event itself' };
  }
  return { event: { request: ga4RequestFields(event, config), event: ga4Event(event, config) } };
}

function requestFields(mapped: { [key: string]: JsonValue }): { [key: string]: JsonValue } {
  return isJsonObject(mapped.request) ? mapped.request : {};
}

export const ga4: DestinationDeclaration<Ga4Config, 'ga4'> = {
  type: 'ga4',
  label: 'Google Analytics 4 (Measurement Protocol)',
  configSchema: ga4ConfigSchema,
  urls: {
    api: {
      env: 'GA4_API_URL',
      default: GA4_DEFAULT_URL,
      description: `GA4 Measurement Protocol base URL (\`region: "eu"\` uses \`${GA4_EU_URL}\` unless this is overridden).`,
    },
  },
  // What GA4 joins on: the browser's client id (`client_id`, the Google tag's own browser id), the shop's
  // customer id (`user_id`), and the hashed email, phone, names and address of `user_data`. No IP address
  // or user agent is sent; the session id places an event in a session and identifies no one.
  matchWeights: { ...PERSONAL_ID_WEIGHTS, ...PERSON_WEIGHTS, gaClientId: 1 },
  sampleConfig: { measurementId: 'G-DEV0000001', apiSecret: 'ga4-dev-secret' },
  limits: {
    // At most 25 events per request, all of one client id (reference §1).
    maxBatchSize: 25,
    // GA4 takes events up to 72 hours old; an hour is kept back for the time between this check and the
    // request (retries, clock skew), since an older event is silently dropped, never answered.
    maxEventAgeSeconds: 71 * 3600,
    // No published rate limit (UNCONFIRMED); the worker paces leases of 25 events, each up to 25 requests.
    requestsPerSecond: 20,
  },
  parseConfig: parseGa4Config,
  isTestMode(config) {
    return config.testMode === true;
  },
  plan(config, env) {
    const validate = config.testMode === true || env.forceTestMode === true;
    // The secret rides in the query string: that is the only place GA4 reads it.
    const url =
      `${collectOrigin(env.baseUrl, config)}${validate ? GA4_DEBUG_PATH : '/mp/collect'}` +
      `?measurement_id=${encodeURIComponent(config.measurementId)}` +
      `&api_secret=${encodeURIComponent(config.apiSecret)}`;
    return {
      maxBatchSize: ga4.limits.maxBatchSize,
      map: (event) => mapEvent(event, config),
      batchKey: (mapped) => JSON.stringify(requestFields(mapped)),
      envelope: (batch) => ({
        url,
        headers: { ...JSON_CONTENT_TYPE },
        body: {
          ...requestFields(batch[0] ?? {}),
          // Google's advice for validation: report recommendations too, not only malformed requests.
          ...(validate ? { validation_behavior: 'ENFORCE_RECOMMENDATIONS' } : {}),
          events: batch.map((mapped) => mapped.event ?? null),
        },
      }),
    };
  },
  build(events, config, env) {
    return buildBatches(events, ga4.plan(config, env));
  },
  classify(response, request) {
    return classifyGa4(response, request);
  },
  // No pixelManager: the plugin's names for GA4's server-side settings are not known, so its settings sync
  // keeps GA4 entries as unsupported.
  fake: async () => (await import('./fake.js')).startFakeGa4,
};
