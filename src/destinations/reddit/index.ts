import type { ConsentDecision, DestinationDeclaration, OutboundEvent } from '../contract.js';
import { hashNormalized } from '../normalize/hash.js';
import { normalizeIp } from '../normalize/ip.js';
import { buildBatches, FORCED_TEST_CODE, JSON_CONTENT_TYPE, type Mapped, origin } from '../shared/build.js';
import { adsAllowed, CONSENT_SKIP } from '../shared/consent.js';
import { plain } from '../shared/identity.js';
import { compact, type JsonObject } from '../shared/json.js';
import { CONTACT_WEIGHTS } from '../shared/match-weights.js';
import { childObject, fillNested, passthroughObject } from '../shared/passthrough.js';
import { testCodePaths, tokenPaths } from '../shared/pixel-manager.js';
import { classifyReddit } from './classify.js';
import { parseRedditConfig, type RedditConfig, redditConfigSchema } from './config.js';
import { redditEvent } from './map.js';

/** Reddit's restricted processing sits in the user object: `{modes: ['LDU'], country, region}`. */
function limitedDataUse(event: JsonObject, consent: ConsentDecision): void {
  const ldu = consent.limitedDataUse;
  if (!ldu) return;
  const user = childObject(event, 'user');
  if (!user) return;
  user.data_processing_options = {
    modes: ['LDU'],
    ...(ldu.country ? { country: ldu.country } : {}),
    ...(ldu.country && ldu.state ? { region: `${ldu.country}-${ldu.state}` } : {}),
  };
}

function mapEvent(event: OutboundEvent, config: RedditConfig): Mapped {
  if (!adsAllowed(event)) return CONSENT_SKIP;
  const mapped = mapAllowedEvent(event, config);
  if ('event' in mapped) limitedDataUse(mapped.event, event.consent);
  return mapped;
}

function mapAllowedEvent(event: OutboundEvent, config: RedditConfig): Mapped {
  if (event.passthrough === undefined) return { event: redditEvent(event, config) };
  const ready = passthroughObject(event);
  if (ready === undefined) return { skip: 'passthrough event is not a JSON object' };
  // Reddit hashes the IP, so the server-observed IP is filled in hashed like every other Reddit IP.
  fillNested(ready, 'user', {
    ip_address: hashNormalized(event.userData.ipAddress, normalizeIp),
    user_agent: plain(event.userData.userAgent),
  });
  return { event: ready };
}

export const reddit: DestinationDeclaration<RedditConfig, 'reddit'> = {
  type: 'reddit',
  label: 'Reddit',
  configSchema: redditConfigSchema,
  urls: {
    api: {
      env: 'REDDIT_API_URL',
      default: 'https://ads-api.reddit.com',
      description: 'Reddit Ads API base URL.',
    },
  },
  matchWeights: { ...CONTACT_WEIGHTS, rdtClickId: 2, rdtUuid: 1 },
  sampleConfig: { pixelId: 't2_devpixel', accessToken: 'reddit-dev-token' },
  pixelManager: {
    eventMember: 'reddit',
    syncTypes: ['reddit'],
    syncFields: {
      pixelId: ['pixel_id', 'pixelId', 'advertiser_id', 'advertiserId', 'capi.pixel_id'],
      accessToken: tokenPaths('capi'),
      testId: ['test_id', 'testId', ...testCodePaths('capi')],
    },
  },
  limits: {
    maxBatchSize: 1000,
    maxEventAgeSeconds: 7 * 24 * 3600,
    // A third-party copy of Reddit's OpenAPI claims 1 request/s for the whole Ads API.
    requestsPerSecond: 1,
  },
  parseConfig: parseRedditConfig,
  isTestMode(config) {
    return config.testId !== undefined;
  },
  plan(config, env) {
    const url = `${origin(env.baseUrl)}/api/v3/pixels/${encodeURIComponent(config.pixelId)}/conversion_events`;
    const testId = config.testId ?? (env.forceTestMode === true ? FORCED_TEST_CODE : undefined);
    return {
      maxBatchSize: reddit.limits.maxBatchSize,
      map: (event) => mapEvent(event, config),
      envelope: (events) => ({
        url,
        headers: { ...JSON_CONTENT_TYPE, authorization: `Bearer ${config.accessToken}` },
        body: { data: compact({ test_id: testId, events }) },
      }),
    };
  },
  build(events, config, env) {
    return buildBatches(events, reddit.plan(config, env));
  },
  classify(response) {
    return classifyReddit(response);
  },
  fake: async () => (await import('./fake.js')).startFakeReddit,
};
