import type { DestinationDeclaration, OutboundEvent } from '../contract.js';
import { buildBatches, JSON_CONTENT_TYPE, type Mapped, origin } from '../shared/build.js';
import { adsAllowed, CONSENT_SKIP, optedOut } from '../shared/consent.js';
import { plain } from '../shared/identity.js';
import { META_STYLE_WEIGHTS } from '../shared/match-weights.js';
import { clientIp, fillNested, passthroughObject } from '../shared/passthrough.js';
import { testCodePaths, tokenPaths } from '../shared/pixel-manager.js';
import { classifyPinterest } from './classify.js';
import { type PinterestConfig, parsePinterestConfig, pinterestConfigSchema } from './config.js';
import { pinterestEvent, pinterestMissingIdentifier } from './map.js';

function mapEvent(event: OutboundEvent, config: PinterestConfig): Mapped {
  if (!adsAllowed(event)) return CONSENT_SKIP;
  let ready: Mapped;
  if (event.passthrough === undefined) {
    ready = { event: pinterestEvent(event, config) };
  } else {
    const object = passthroughObject(event);
    if (object === undefined) return { skip: 'passthrough event is not a JSON object' };
    fillNested(object, 'user_data', {
      client_ip_address: clientIp(event),
      client_user_agent: plain(event.userData.userAgent),
    });
    ready = { event: object };
  }
  const missing = pinterestMissingIdentifier(ready.event.user_data);
  if (missing !== undefined) return { skip: missing };
  // Pinterest has no limited-data-use mode of its own: its opt-out flag is the conservative equivalent.
  if (optedOut(event.consent)) ready.event.opt_out = true;
  return ready;
}

export const pinterest: DestinationDeclaration<PinterestConfig, 'pinterest'> = {
  type: 'pinterest',
  label: 'Pinterest',
  configSchema: pinterestConfigSchema,
  urls: {
    api: {
      env: 'PINTEREST_API_URL',
      default: 'https://api.pinterest.com',
      description: 'Pinterest API base URL.',
    },
  },
  matchWeights: { ...META_STYLE_WEIGHTS, epik: 2 },
  sampleConfig: { adAccountId: '549755800001', accessToken: 'pina-dev-token' },
  pixelManager: {
    eventMember: 'pinterest',
    syncTypes: ['pinterest'],
    syncFields: {
      // Pinterest's server API is keyed by the ad account; the plugin's pixel_id (the tag id) is not used.
      adAccountId: ['ad_account_id', 'adAccountId', 'apic.ad_account_id'],
      accessToken: tokenPaths('apic'),
    },
    syncTestSwitch: { target: 'testMode', codePaths: testCodePaths('apic') },
  },
  limits: {
    maxBatchSize: 1000,
    maxEventAgeSeconds: 7 * 24 * 3600,
    // Pinterest allows 5,000 calls per minute (~83/s) per ad account; 20/s leaves room for other tools.
    requestsPerSecond: 20,
  },
  parseConfig: parsePinterestConfig,
  isTestMode(config) {
    return config.testMode === true;
  },
  plan(config, env) {
    const test = config.testMode === true || env.forceTestMode === true;
    const url =
      `${origin(env.baseUrl)}/v5/ad_accounts/${encodeURIComponent(config.adAccountId)}/events` +
      (test ? '?test=true' : '');
    return {
      maxBatchSize: pinterest.limits.maxBatchSize,
      map: (event) => mapEvent(event, config),
      envelope: (data) => ({
        url,
        headers: { ...JSON_CONTENT_TYPE, authorization: `Bearer ${config.accessToken}` },
        body: { data },
      }),
    };
  },
  build(events, config, env) {
    return buildBatches(events, pinterest.plan(config, env));
  },
  classify(response, request) {
    return classifyPinterest(response, request);
  },
  fake: async () => (await import('./fake.js')).startFakePinterest,
};
