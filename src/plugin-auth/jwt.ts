/**
 * Plugin JWTs (seed 004 `token`): HS256, signed and checked with `jose`. The key is derived with HKDF-SHA256
 * from ENCRYPTION_KEY (info `tagbridge/plugin-jwt/v1`) rather than read from a variable of its own: one
 * secret fewer to generate, store and rotate, and a rotation of ENCRYPTION_KEY rotates it too (tokens made
 * with a key now in ENCRYPTION_KEYS_PREVIOUS still verify until they expire; refresh tokens are rows, so
 * plugins renew without noticing). The info string keeps this key independent of the sealing key.
 *
 * A token is short-lived and names its session (`sid`); the session row is checked on every request, so
 * revoking it ends the token at once.
 */
import { hkdfSync } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

export const JWT_ISSUER = 'tagbridge';
export const JWT_AUDIENCE = 'tagbridge-plugin';

export interface PluginClaims {
  /** The user. */
  sub: string;
  /** The org. */
  org: string;
  /** The plugin session (a row of plugin_sessions). */
  sid: string;
}

export interface JwtKeys {
  /** The key new tokens are signed with (from the current ENCRYPTION_KEY). */
  current: Uint8Array;
  /** Every key a token may verify with (current first, then previous ones). */
  all: Uint8Array[];
}

export function deriveJwtKey(encryptionKey: Buffer): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'tagbridge/plugin-jwt/v1', 32));
}

export function jwtKeys(encryptionKeys: readonly Buffer[]): JwtKeys {
  const all = encryptionKeys.map(deriveJwtKey);
  const current = all[0];
  if (!current) throw new Error('jwtKeys needs at least one key');
  return { current, all };
}

export async function signPluginJwt(
  keys: JwtKeys,
  claims: PluginClaims,
  input: { now: number; ttlSeconds: number },
): Promise<string> {
  const iat = Math.floor(input.now / 1000);
  return new SignJWT({ org: claims.org, sid: claims.sid })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + input.ttlSeconds)
    .sign(keys.current);
}

export type JwtCheck = { ok: true; claims: PluginClaims } | { ok: false; reason: 'expired' | 'invalid' };

/** Verifies signature, algorithm, issuer, audience and expiry against `now` (the injected clock). */
export async function verifyPluginJwt(keys: JwtKeys, token: string, now: number): Promise<JwtCheck> {
  for (const key of keys.all) {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        currentDate: new Date(now),
        clockTolerance: 0,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const { sub, org, sid } = payload;
      if (typeof sub !== 'string' || typeof org !== 'string' || typeof sid !== 'string') {
        return { ok: false, reason: 'invalid' };
      }
      return { ok: true, claims: { sub, org, sid } };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
      if (error instanceof errors.JWSSignatureVerificationFailed) continue;
      return { ok: false, reason: 'invalid' };
    }
  }
  return { ok: false, reason: 'invalid' };
}
