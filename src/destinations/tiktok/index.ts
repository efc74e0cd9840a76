import type { DestinationDeclaration, OutboundEvent } from '../contract.js';
import { buildBatches, FORCED_TEST_CODE, JSON_CONTENT_TYPE, type Mapped, origin } from '../shared/build.js';
import { adsAllowed, CONSENT_SKIP } from '../shared/consent.js';
import { plain } from '../shared/identity.js';
import { compact, isJsonObject } from '../shared/json.js';
import { CONTACT_WEIGHTS, PERSON_WEIGHTS } from '../shared/match-weights.js';
import { clientIp, fillNested, passthroughObject } from '../shared/passthrough.js';
import { testCodePaths, tokenPaths } from '../shared/pixel-manager.js';
import { classifyTiktok } from './classify.js';
import { parseTiktokConfig, type TiktokConfig, tiktokConfigSchema } from './config.js';
import { tiktokEvent } from './map.js';

function mapEvent(event: OutboundEvent, config: TiktokConfig): Mapped {
  if (!adsAllowed(event)) return CONSENT_SKIP;
  const mapped = mapAllowedEvent(event, config);
  // TikTok's US-state restricted processing is one event-level flag.
  if ('event' in mapped && event.consent.limitedDataUse) mapped.event.limited_data_use = true;
  return mapped;
}

function mapAllowedEvent(event: OutboundEvent, config: TiktokConfig): Mapped {
  if (event.passthrough === undefined) return { event: tiktokEvent(event, config) };
  const ready = passthroughObject(event);
  if (ready === undefined) return { skip: 'passthrough event is not a JSON object' };
  const fields = { ip: clientIp(event), user_agent: plain(event.userData.userAgent) };
  // Older browser scripts build the v1.2 shape with `context`; keep to the shape they gave.
  if (isJsonObject(ready.context) && ready.user === undefined) fillNested(ready, 'context', fields);
  else fillNested(ready, 'user', fields);
  return { event: ready };
}

export const tiktok: DestinationDeclaration<TiktokConfig, 'tiktok'> = {
  type: 'tiktok',
  label: 'TikTok',
  configSchema: tiktokConfigSchema,
  urls: {
    api: {
      env: 'TIKTOK_API_URL',
      default: 'https://business-api.tiktok.com',
      description: 'TikTok Business API base URL.',
    },
  },
  matchWeights: { ...CONTACT_WEIGHTS, ...PERSON_WEIGHTS, ttclid: 2, ttp: 1 },
  sampleConfig: { pixelCode: 'CDEVPIXEL00001', accessToken: 'tiktok-dev-token' },
  pixelManager: {
    eventMember: 'tiktok',
    syncTypes: ['tiktok'],
    syncFields: {
      pixelCode: ['pixel_code', 'pixelCode', 'pixel_id', 'pixelId', 'eapi.pixel_id'],
      accessToken: tokenPaths('eapi'),
      testEventCode: testCodePaths('eapi'),
    },
  },
  limits: {
    maxBatchSize: 1000,
    maxEventAgeSeconds: 7 * 24 * 3600,
    // TikTok's rate limit is unpublished; throttling surfaces as code 40100.
    requestsPerSecond: 10,
  },
  parseConfig: parseTiktokConfig,
  isTestMode(config) {
    return config.testEventCode !== undefined;
  },
  plan(config, env) {
    // The trailing slash is part of TikTok's documented path.
    const url = `${origin(env.baseUrl)}/open_api/v1.3/event/track/`;
    const code = config.testEventCode ?? (env.forceTestMode === true ? FORCED_TEST_CODE : undefined);
    return {
      maxBatchSize: tiktok.limits.maxBatchSize,
      map: (event) => mapEvent(event, config),
      envelope: (data) => ({
        url,
        headers: { ...JSON_CONTENT_TYPE, 'access-token': config.accessToken },
        body: compact({
          event_source: 'web',
          event_source_id: config.pixelCode,
          test_event_code: code,
          data,
        }),
      }),
    };
  },
  build(events, config, env) {
    return buildBatches(events, tiktok.plan(config, env));
  },
  classify(response) {
    return classifyTiktok(response);
  },
  fake: async () => (await import('./fake.js')).startFakeTikTok,
};
