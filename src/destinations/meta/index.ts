import type { ConsentDecision, DestinationDeclaration, OutboundEvent } from '../contract.js';
import { buildBatches, FORCED_TEST_CODE, JSON_CONTENT_TYPE, type Mapped, origin } from '../shared/build.js';
import { adsAllowed, CONSENT_SKIP } from '../shared/consent.js';
import { plain } from '../shared/identity.js';
import { compact, type JsonObject } from '../shared/json.js';
import { META_STYLE_WEIGHTS } from '../shared/match-weights.js';
import { clientIp, fillNested, passthroughObject } from '../shared/passthrough.js';
import { testCodePaths, tokenPaths } from '../shared/pixel-manager.js';
import { classifyMeta } from './classify.js';
import { META_DEFAULT_API_VERSION, type MetaConfig, metaConfigSchema, parseMetaConfig } from './config.js';
import { metaEvent, metaSkipReason } from './map.js';

/** Meta's limited data use: country 1 is the US, state 1000 California; 0 lets Meta geolocate. */
function limitedDataUse(target: JsonObject, consent: ConsentDecision): void {
  const ldu = consent.limitedDataUse;
  if (!ldu) return;
  target.data_processing_options = ['LDU'];
  target.data_processing_options_country = ldu.country === 'US' ? 1 : 0;
  target.data_processing_options_state = ldu.country === 'US' && ldu.state === 'CA' ? 1000 : 0;
}

function mapEvent(event: OutboundEvent, config: MetaConfig): Mapped {
  const mapped = mapAllowedEvent(event, config);
  if ('event' in mapped) limitedDataUse(mapped.event, event.consent);
  return mapped;
}

function mapAllowedEvent(event: OutboundEvent, config: MetaConfig): Mapped {
  if (!adsAllowed(event)) return CONSENT_SKIP;
  if (event.passthrough !== undefined) {
    const ready = passthroughObject(event);
    if (ready === undefined) return { skip: 'passthrough event is not a JSON object' };
    fillNested(ready, 'user_data', {
      client_ip_address: clientIp(event),
      client_user_agent: plain(event.userData.userAgent),
    });
    return { event: ready };
  }
  const built = metaEvent(event, config);
  const reason = metaSkipReason(built);
  return reason === undefined ? { event: built } : { skip: reason };
}

function testEventCode(config: MetaConfig, force: boolean | undefined): string | undefined {
  return config.testEventCode ?? (force === true ? FORCED_TEST_CODE : undefined);
}

export const meta: DestinationDeclaration<MetaConfig, 'meta'> = {
  type: 'meta',
  label: 'Meta (Facebook, Instagram)',
  configSchema: metaConfigSchema,
  urls: {
    api: {
      env: 'META_GRAPH_URL',
      default: 'https://graph.facebook.com',
      description: 'Meta Graph API base URL.',
    },
  },
  matchWeights: { ...META_STYLE_WEIGHTS, fbc: 2, fbp: 1 },
  sampleConfig: { pixelId: '100000000000001', accessToken: 'EAAB-dev-token' },
  pixelManager: {
    eventMember: 'facebook',
    syncTypes: ['facebook', 'meta'],
    syncFields: {
      pixelId: ['pixel_id', 'pixelId', 'dataset_id', 'capi.pixel_id'],
      accessToken: tokenPaths('capi'),
      testEventCode: testCodePaths('capi'),
      apiVersion: ['api_version', 'apiVersion'],
    },
  },
  limits: {
    maxBatchSize: 1000,
    maxEventAgeSeconds: 7 * 24 * 3600,
    // Meta publishes no CAPI-specific limit (calls count as Marketing API calls; throttling answers back
    // us off). 50 requests of up to 1,000 events a second keeps a busy shop's queue short.
    requestsPerSecond: 50,
  },
  parseConfig: parseMetaConfig,
  isTestMode(config) {
    return config.testEventCode !== undefined;
  },
  plan(config, env) {
    const version = config.apiVersion ?? META_DEFAULT_API_VERSION;
    // The token rides in the query string, as Meta documents for the events edge.
    const url =
      `${origin(env.baseUrl)}/${encodeURIComponent(version)}/${encodeURIComponent(config.pixelId)}/events` +
      `?access_token=${encodeURIComponent(config.accessToken)}`;
    const code = testEventCode(config, env.forceTestMode);
    return {
      maxBatchSize: meta.limits.maxBatchSize,
      map: (event) => mapEvent(event, config),
      envelope: (data) => ({
        url,
        headers: { ...JSON_CONTENT_TYPE },
        body: compact({ data, test_event_code: code }),
      }),
    };
  },
  build(events, config, env) {
    return buildBatches(events, meta.plan(config, env));
  },
  classify(response) {
    return classifyMeta(response);
  },
  fake: async () => (await import('./fake.js')).startFakeMeta,
};
