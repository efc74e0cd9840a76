import type { DestinationDeclaration, OutboundEvent } from '../contract.js';
import { buildBatches, JSON_CONTENT_TYPE, type Mapped, origin } from '../shared/build.js';
import { CONTACT_WEIGHTS } from '../shared/match-weights.js';
import { classifyMicrosoft } from './classify.js';
import { type MicrosoftConfig, microsoftConfigSchema, parseMicrosoftConfig } from './config.js';
import { type MicrosoftSending, microsoftEvent, microsoftSkipReason } from './map.js';

function mapEvent(event: OutboundEvent, config: MicrosoftConfig, testing: boolean): Mapped {
  if (event.passthrough !== undefined) {
    return { skip: 'no browser-built (Pixel Manager) event is known for Microsoft; send the event itself' };
  }
  const sending: MicrosoftSending = {
    adStorage: event.consent.adStorage && !testing,
    adUserData: event.consent.adUserData,
  };
  const built = microsoftEvent(event, config, sending);
  const reason = microsoftSkipReason(built);
  return reason === undefined ? { event: built } : { skip: reason };
}

export const microsoft: DestinationDeclaration<MicrosoftConfig, 'microsoft'> = {
  type: 'microsoft',
  label: 'Microsoft Advertising (UET Conversions API)',
  configSchema: microsoftConfigSchema,
  urls: {
    api: {
      env: 'MICROSOFT_CAPI_URL',
      default: 'https://capi.uet.microsoft.com',
      description: 'Microsoft UET Conversions API base URL.',
    },
  },
  // `em`, `ph`, `externalId`, `clientIpAddress`, `clientUserAgent` and the click id `msclkid`. The
  // `anonymousId` is derived from these (map.ts), so it adds nothing of its own.
  matchWeights: { ...CONTACT_WEIGHTS, msclkid: 2 },
  sampleConfig: { tagId: '100000001', accessToken: 'microsoft-dev-token' },
  limits: {
    maxBatchSize: 1000,
    // Not published; third-party implementations keep to 7 days (UNCONFIRMED).
    maxEventAgeSeconds: 7 * 24 * 3600,
    // No published rate limit (UNCONFIRMED); 429 answers slow us down.
    requestsPerSecond: 10,
  },
  parseConfig: parseMicrosoftConfig,
  // Microsoft documents no test mode (see plan): a config cannot ask for one.
  isTestMode() {
    return false;
  },
  plan(config, env) {
    const url = `${origin(env.baseUrl)}/v1/${encodeURIComponent(config.tagId)}/events`;
    // Test mode ("send test event"): every event as adStorageConsent "D", which Microsoft uses for no
    // advertising purpose, and one invalid event voids the request, so the test reports every problem.
    const testing = env.forceTestMode === true;
    return {
      maxBatchSize: microsoft.limits.maxBatchSize,
      map: (event) => mapEvent(event, config, testing),
      envelope: (data) => ({
        url,
        headers: { ...JSON_CONTENT_TYPE, authorization: `Bearer ${config.accessToken}` },
        // Live: an invalid event must not void the batch; Microsoft lists it and takes the rest.
        body: { data, continueOnValidationError: !testing },
      }),
    };
  },
  build(events, config, env) {
    return buildBatches(events, microsoft.plan(config, env));
  },
  classify(response, request) {
    return classifyMicrosoft(response, request);
  },
  // No pixelManager: the plugin's names for Microsoft's server-side settings are not known, so its settings
  // sync keeps Microsoft entries as unsupported.
  fake: async () => (await import('./fake.js')).startFakeMicrosoft,
};
