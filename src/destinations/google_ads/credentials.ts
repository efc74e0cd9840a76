/**
 * Access tokens from Google's OAuth 2.0 token endpoint, either grant:
 * - an OAuth client with a refresh token: `grant_type=refresh_token` with client id and secret;
 * - a service account: `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with an assertion, a JWT
 *   signed RS256 with the account's private key whose claims are `iss` (the account's email), `scope`,
 *   `aud` (the token URL it is posted to), `iat` and `exp` (at most an hour later).
 *
 * The JWT is three base64url parts and one RS256 signature: `node:crypto` signs it, so no JWT library is
 * needed for a fixed header and five claims.
 */
import { sign } from 'node:crypto';
import { sha256Hex } from '../../lib/crypto.js';
import type { AccessTokenFlow, HttpRequest, HttpResponse, TokenAnswer } from '../contract.js';
import {
  jsonBody,
  numberField,
  retryAfterMs,
  statusMessage,
  stringField,
  truncate,
} from '../shared/response.js';
import { type GoogleAdsConfig, readServiceAccountKey } from './config.js';

export const DATA_MANAGER_SCOPE = 'https://www.googleapis.com/auth/datamanager';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Google accepts assertions valid for at most an hour. */
const ASSERTION_LIFETIME_S = 3600;

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** A signed assertion for the jwt-bearer grant. */
export function serviceAccountAssertion(
  key: { clientEmail: string; privateKey: string; privateKeyId?: string },
  tokenUrl: string,
  nowSeconds: number,
): string {
  const header = { alg: 'RS256', typ: 'JWT', ...(key.privateKeyId ? { kid: key.privateKeyId } : {}) };
  const claims = {
    iss: key.clientEmail,
    scope: DATA_MANAGER_SCOPE,
    aud: tokenUrl,
    iat: nowSeconds,
    exp: nowSeconds + ASSERTION_LIFETIME_S,
  };
  const signed = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${signed}.${base64url(sign('sha256', Buffer.from(signed), key.privateKey))}`;
}

function tokenRequest(config: GoogleAdsConfig, tokenUrl: string, nowSeconds: number): HttpRequest {
  const request = (body: Record<string, string>): HttpRequest => ({
    method: 'POST',
    url: tokenUrl,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    encoding: 'form',
    body,
    refs: [],
  });
  if (config.serviceAccountKey !== undefined) {
    const key = readServiceAccountKey(config.serviceAccountKey);
    // parseConfig refused an unusable key: reaching this is a bug.
    if (typeof key === 'string') throw new Error(key);
    return request({
      grant_type: JWT_BEARER_GRANT,
      assertion: serviceAccountAssertion(key, tokenUrl, nowSeconds),
    });
  }
  return request({
    grant_type: 'refresh_token',
    client_id: config.clientId ?? '',
    client_secret: config.clientSecret ?? '',
    refresh_token: config.refreshToken ?? '',
  });
}

/**
 * Google's token endpoint answers `{access_token, expires_in, token_type}`, or an OAuth error
 * `{error, error_description}`: 400/401 (`invalid_grant`: refresh token revoked or expired, assertion
 * refused; `invalid_client`; `unauthorized_client`…) refuses the credentials; 429 and 5xx may pass.
 */
function parseTokenAnswer(response: HttpResponse): TokenAnswer {
  const body = jsonBody(response);
  const { status } = response;
  if (status >= 200 && status < 300) {
    const accessToken = stringField(body, 'access_token');
    const expiresIn = numberField(body, 'expires_in');
    if (accessToken !== undefined && expiresIn !== undefined && expiresIn > 0) {
      return { kind: 'token', accessToken, expiresInSeconds: expiresIn };
    }
    return { kind: 'retry', message: 'Google token endpoint: an answer without an access token' };
  }
  const error = stringField(body, 'error');
  const description = stringField(body, 'error_description');
  const said =
    error === undefined
      ? statusMessage(response)
      : `${error}${description === undefined ? '' : `: ${description}`}`;
  const message = truncate(`Google token endpoint: ${said}`);
  if (status === 429 || status >= 500 || status === 408) {
    const delay = retryAfterMs(response);
    return delay === undefined ? { kind: 'retry', message } : { kind: 'retry', message, retryAfterMs: delay };
  }
  if (status >= 400)
    return { kind: 'rejected', message: truncate(`Google refused the credentials: ${said}`) };
  return { kind: 'retry', message };
}

export const googleAdsAccessToken: AccessTokenFlow<GoogleAdsConfig> = {
  urlName: 'oauthToken',
  credentialKey(config) {
    const parts =
      config.serviceAccountKey !== undefined
        ? ['service-account', config.serviceAccountKey]
        : ['oauth', config.clientId, config.clientSecret, config.refreshToken];
    return sha256Hex(parts.join('\u0000')).slice(0, 32);
  },
  request: tokenRequest,
  parse: parseTokenAnswer,
};
