import type { DestinationDeclaration, JsonValue, OutboundEvent } from '../contract.js';
import { buildBatches, JSON_CONTENT_TYPE, type Mapped, origin } from '../shared/build.js';
import { isJsonObject } from '../shared/json.js';
import { PERSONAL_ID_WEIGHTS } from '../shared/match-weights.js';
import { classifyGoogleAds } from './classify.js';
import { type GoogleAdsConfig, googleAdsConfigSchema, parseGoogleAdsConfig } from './config.js';
import { googleAdsAccessToken } from './credentials.js';
import { destinationsFor, googleAdsEvent } from './map.js';

function mapEvent(event: OutboundEvent, config: GoogleAdsConfig): Mapped {
  if (event.passthrough !== undefined) {
    return { skip: 'no browser-built (Pixel Manager) event is known for Google Ads; send the event itself' };
  }
  return googleAdsEvent(event, config);
}

/** The event types a batch names, in order of first appearance: its `destinations[]`. */
function references(batch: ReadonlyArray<{ [key: string]: JsonValue }>): string[] {
  const seen = new Set<string>();
  for (const event of batch) {
    const names = event.destinationReferences;
    if (!Array.isArray(names)) continue;
    for (const name of names) if (typeof name === 'string') seen.add(name);
  }
  return [...seen];
}

export const googleAds: DestinationDeclaration<GoogleAdsConfig, 'google_ads'> = {
  type: 'google_ads',
  label: 'Google Ads (Data Manager API)',
  configSchema: googleAdsConfigSchema,
  urls: {
    api: {
      env: 'GOOGLE_DATA_MANAGER_URL',
      default: 'https://datamanager.googleapis.com',
      description: 'Google Data Manager API base URL (Google Ads conversions).',
    },
    oauthToken: {
      env: 'GOOGLE_OAUTH_TOKEN_URL',
      default: 'https://oauth2.googleapis.com/token',
      description: 'Google OAuth 2.0 token endpoint (Google Ads access tokens).',
      fakePath: '/token',
    },
  },
  // Hashed email and phone (`userIdentifiers`), the address entry (names, country, postal code: sent only
  // together), the user agent and (outside the EEA, UK and CH) the IP address, and the click ids, which
  // match an ad click on their own.
  matchWeights: {
    email: PERSONAL_ID_WEIGHTS.email,
    phone: PERSONAL_ID_WEIGHTS.phone,
    firstName: 0.25,
    lastName: 0.25,
    zip: 0.25,
    country: 0.25,
    ipAddress: 0.5,
    userAgent: 0.5,
    gclid: 4,
    gbraid: 4,
    wbraid: 4,
  },
  // The OAuth flow, with the client and refresh token the fake accepts by default (`tagbridge dev`).
  sampleConfig: {
    customerId: '1234567890',
    conversionActionId: '987654321',
    conversionActions: { Lead: '987654322', Custom: '987654323' },
    clientId: 'tagbridge-dev.apps.googleusercontent.com',
    clientSecret: 'google-dev-client-secret',
    refreshToken: 'google-dev-refresh-token',
  },
  limits: {
    maxBatchSize: 2000,
    // Google states no maximum age; a gclid conversion is taken up to 90 days after the click and one
    // matched on user data up to 63 days (reference §2.1, UNCONFIRMED): the shorter, so no event sent is
    // refused for its age.
    maxEventAgeSeconds: 63 * 24 * 3600,
    // 300 requests per minute per Cloud project for the ingestion service (reference §2.1): one project
    // may serve several destinations, so each keeps well under it.
    requestsPerSecond: 2,
  },
  parseConfig: parseGoogleAdsConfig,
  isTestMode(config) {
    return config.testMode === true;
  },
  plan(config, env) {
    const url = `${origin(env.baseUrl)}/v1/events:ingest`;
    const validateOnly = config.testMode === true || env.forceTestMode === true;
    const headers: Record<string, string> = { ...JSON_CONTENT_TYPE };
    if (env.accessToken !== undefined) headers.authorization = `Bearer ${env.accessToken}`;
    if (config.quotaProjectId !== undefined) headers['x-goog-user-project'] = config.quotaProjectId;
    return {
      maxBatchSize: googleAds.limits.maxBatchSize,
      map: (event) => mapEvent(event, config),
      envelope: (events) => ({
        url,
        headers: { ...headers },
        body: {
          destinations: destinationsFor(config, references(events)),
          // Required whenever an event carries userData: the hashes are hex.
          ...(events.some((event) => isJsonObject(event.userData)) ? { encoding: 'HEX' } : {}),
          validateOnly,
          events,
        },
      }),
    };
  },
  build(events, config, env) {
    return buildBatches(events, googleAds.plan(config, env));
  },
  classify(response, request) {
    return classifyGoogleAds(response, request);
  },
  accessToken: googleAdsAccessToken,
  // No pixelManager: the plugin's names for Google Ads' server-side settings are not known.
  fake: async () => (await import('./fake.js')).startFakeGoogleAds,
};
