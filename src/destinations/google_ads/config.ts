import { createPrivateKey } from 'node:crypto';
import { type Static, Type } from 'typebox';
import type { ConfigResult } from '../contract.js';
import { commonFields, credentialString, parseConfigWith } from '../shared/config.js';

/** A Google Ads customer id: ten digits, as Google Ads shows it (`123-456-7890`) or without the hyphens. */
const CUSTOMER_ID = '^[0-9]{3}-?[0-9]{3}-?[0-9]{4}$';
const ACTION_ID = Type.String({ pattern: '^[0-9]+$', description: 'A numeric conversion action id.' });

// Google Ads has no event names: each event type goes to a conversion action, so there is no `eventNames`;
// `conversionActionId` (Purchase) and `conversionActions` (the other types) say where each goes.
const common = commonFields(Type.String());

export const googleAdsConfigSchema = Type.Object(
  {
    customerId: credentialString({
      description:
        'Operating account: the Google Ads customer id that owns the conversion actions (e.g. 123-456-7890).',
      pattern: CUSTOMER_ID,
    }),
    loginCustomerId: Type.Optional(
      credentialString({
        description:
          'Manager account (MCC) through which the credentials reach the operating account; omit when they have direct access.',
        pattern: CUSTOMER_ID,
      }),
    ),
    conversionActionId: credentialString({
      description:
        'Id of the conversion action that records purchases (Goals → Conversions → the action → ctId in its URL).',
      pattern: '^[0-9]+$',
    }),
    conversionActions: Type.Optional(
      Type.Object(
        {
          ViewContent: Type.Optional(ACTION_ID),
          Search: Type.Optional(ACTION_ID),
          AddToCart: Type.Optional(ACTION_ID),
          AddToWishlist: Type.Optional(ACTION_ID),
          Lead: Type.Optional(ACTION_ID),
          SignUp: Type.Optional(ACTION_ID),
          Custom: Type.Optional(ACTION_ID),
        },
        {
          additionalProperties: false,
          description:
            'Conversion action id per other event type (e.g. {"Lead": "123456789"}); types without one are not sent.',
        },
      ),
    ),
    clientId: Type.Optional(
      credentialString({ description: 'OAuth client id (with clientSecret and refreshToken).' }),
    ),
    clientSecret: Type.Optional(credentialString({ description: 'OAuth client secret.', secret: true })),
    refreshToken: Type.Optional(
      credentialString({
        description:
          'Refresh token of a Google account with access to the operating account (scope datamanager).',
        secret: true,
      }),
    ),
    serviceAccountKey: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 16384,
        description:
          'Instead of an OAuth client: the JSON key file of a service account added as a user of the Google Ads account, pasted whole.',
        secret: true,
      }),
    ),
    quotaProjectId: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9-]{4,28}[a-z0-9]$',
        description:
          'Google Cloud project billed for the quota (x-goog-user-project); default: the credentials’ own.',
      }),
    ),
    testMode: Type.Optional(
      Type.Boolean({
        description: 'Send with validateOnly: Google checks every event and records nothing.',
      }),
    ),
    enabled: common.enabled,
  },
  { additionalProperties: false, title: 'Google Ads (Data Manager API)' },
);

export type GoogleAdsConfig = Static<typeof googleAdsConfigSchema>;

/** The parts of a service account's JSON key that sign a token request. */
export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  privateKeyId?: string;
}

/** The key file's fields, or why it cannot be used (the message never quotes the key). */
export function readServiceAccountKey(text: string): ServiceAccountKey | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'serviceAccountKey: not JSON; paste the whole key file (it starts with {"type": "service_account"…)';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'serviceAccountKey: the key file must be a JSON object';
  }
  const key = parsed as Record<string, unknown>;
  if (key.type !== undefined && key.type !== 'service_account') {
    return `serviceAccountKey: a key file of type "service_account" is needed, not "${String(key.type)}"`;
  }
  if (typeof key.client_email !== 'string' || !key.client_email.includes('@')) {
    return 'serviceAccountKey: client_email is missing';
  }
  if (typeof key.private_key !== 'string' || key.private_key === '') {
    return 'serviceAccountKey: private_key is missing';
  }
  try {
    if (createPrivateKey(key.private_key).asymmetricKeyType !== 'rsa') {
      return 'serviceAccountKey: private_key is not an RSA key';
    }
  } catch {
    return 'serviceAccountKey: private_key is not a readable PEM private key';
  }
  const out: ServiceAccountKey = { clientEmail: key.client_email, privateKey: key.private_key };
  if (typeof key.private_key_id === 'string' && key.private_key_id !== '') {
    out.privateKeyId = key.private_key_id;
  }
  return out;
}

const OAUTH_FIELDS = ['clientId', 'clientSecret', 'refreshToken'] as const;

/** Exactly one kind of credentials: all three OAuth fields, or the service account key. */
function credentialErrors(config: GoogleAdsConfig): string[] {
  const oauth = OAUTH_FIELDS.filter((field) => config[field] !== undefined);
  const serviceAccount = config.serviceAccountKey !== undefined;
  if (serviceAccount && oauth.length > 0) {
    return [
      `credentials: either an OAuth client (clientId, clientSecret, refreshToken) or a service account key (serviceAccountKey), not both (${oauth.join(', ')} given with serviceAccountKey)`,
    ];
  }
  if (serviceAccount) {
    const key = readServiceAccountKey(config.serviceAccountKey ?? '');
    return typeof key === 'string' ? [key] : [];
  }
  if (oauth.length === 0) {
    return [
      'credentials: an OAuth client (clientId, clientSecret, refreshToken) or a service account key (serviceAccountKey) is required',
    ];
  }
  const missing = OAUTH_FIELDS.filter((field) => config[field] === undefined);
  return missing.length === 0
    ? []
    : [`credentials: clientId, clientSecret and refreshToken go together (missing ${missing.join(', ')})`];
}

const digits = (id: string): string => id.replaceAll('-', '');

export function parseGoogleAdsConfig(raw: unknown): ConfigResult<GoogleAdsConfig> {
  const parsed = parseConfigWith(googleAdsConfigSchema, raw);
  if (!parsed.ok) return parsed;
  const errors = credentialErrors(parsed.config);
  if (errors.length > 0) return { ok: false, errors };
  // Stored as Google's API takes them: ten digits, no hyphens.
  const config: GoogleAdsConfig = { ...parsed.config, customerId: digits(parsed.config.customerId) };
  if (config.loginCustomerId !== undefined) config.loginCustomerId = digits(config.loginCustomerId);
  return { ok: true, config };
}
