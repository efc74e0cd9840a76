import type { DestinationDeclaration, OutboundEvent } from '../contract.js';
import { buildBatches, JSON_CONTENT_TYPE, type Mapped, origin } from '../shared/build.js';
import { adsAllowed, CONSENT_SKIP, optedOut } from '../shared/consent.js';
import { plain } from '../shared/identity.js';
import { META_STYLE_WEIGHTS } from '../shared/match-weights.js';
import { clientIp, fillNested, passthroughObject } from '../shared/passthrough.js';
import { testCodePaths, tokenPaths } from '../shared/pixel-manager.js';
import { classifySnapchat } from './classify.js';
import { parseSnapchatConfig, type SnapchatConfig, snapchatConfigSchema } from './config.js';
import { snapchatEvent, snapchatMissingIdentifier } from './map.js';

function mapEvent(event: OutboundEvent, config: SnapchatConfig): Mapped {
  if (!adsAllowed(event)) return CONSENT_SKIP;
  let ready: Mapped;
  if (event.passthrough === undefined) {
    ready = { event: snapchatEvent(event, config) };
  } else {
    const object = passthroughObject(event);
    if (object === undefined) return { skip: 'passthrough event is not a JSON object' };
    fillNested(object, 'user_data', {
      client_ip_address: clientIp(event),
      client_user_agent: plain(event.userData.userAgent),
    });
    ready = { event: object };
  }
  const missing = snapchatMissingIdentifier(ready.event.user_data);
  if (missing !== undefined) return { skip: missing };
  // Snapchat has no limited-data-use mode of its own: its opt-out flag is the conservative equivalent.
  if (optedOut(event.consent)) ready.event.opt_out = true;
  return ready;
}

export const snapchat: DestinationDeclaration<SnapchatConfig, 'snapchat'> = {
  type: 'snapchat',
  label: 'Snapchat',
  configSchema: snapchatConfigSchema,
  urls: {
    api: {
      env: 'SNAPCHAT_API_URL',
      default: 'https://tr.snapchat.com',
      description: 'Snapchat Conversions API base URL.',
    },
  },
  matchWeights: { ...META_STYLE_WEIGHTS, scClickId: 2, scCookie1: 1 },
  sampleConfig: { pixelId: '00000000-0000-4000-8000-000000000001', accessToken: 'snap-dev-token' },
  pixelManager: {
    eventMember: 'snapchat',
    syncTypes: ['snapchat'],
    syncFields: {
      pixelId: ['pixel_id', 'pixelId', 'capi.pixel_id'],
      accessToken: tokenPaths('capi'),
    },
    syncTestSwitch: { target: 'testMode', codePaths: testCodePaths('capi') },
  },
  limits: {
    maxBatchSize: 2000,
    maxEventAgeSeconds: 37 * 24 * 3600,
    // Snap publishes no rate limit for CAPI.
    requestsPerSecond: 10,
  },
  parseConfig: parseSnapchatConfig,
  isTestMode(config) {
    return config.testMode === true;
  },
  plan(config, env) {
    const test = config.testMode === true || env.forceTestMode === true;
    // Test mode is a separate path: /events/validate checks events without recording them.
    const url =
      `${origin(env.baseUrl)}/v3/${encodeURIComponent(config.pixelId)}/events${test ? '/validate' : ''}` +
      `?access_token=${encodeURIComponent(config.accessToken)}`;
    return {
      maxBatchSize: snapchat.limits.maxBatchSize,
      map: (event) => mapEvent(event, config),
      envelope: (data) => ({ url, headers: { ...JSON_CONTENT_TYPE }, body: { data } }),
    };
  },
  build(events, config, env) {
    return buildBatches(events, snapchat.plan(config, env));
  },
  classify(response, request) {
    return classifySnapchat(response, request);
  },
  fake: async () => (await import('./fake.js')).startFakeSnapchat,
};
