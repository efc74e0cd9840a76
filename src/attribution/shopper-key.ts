/**
 * The shopper key: what links a shopper's visitors (devices, browsers) and their orders without storing who
 * the shopper is. HMAC-SHA256 under a key derived (HKDF) from the current ENCRYPTION_KEY, of the normalized
 * e-mail — else of `ext:<customer id>` — as lowercase hex. A keyed hash, not a plain one: an e-mail address
 * is guessable, so a plain SHA-256 of it would be personal data in all but name.
 *
 * The key follows ENCRYPTION_KEY: after a rotation new stitches get new keys and the old ones no longer
 * meet them (attribution across the rotation is lost; no personal data is exposed).
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { normalizeEmail } from '../destinations/normalize/email.js';
import { normalizeExternalId } from '../destinations/normalize/external-id.js';

export interface Identity {
  email?: string | undefined;
  phone?: string | undefined;
  externalId?: string | undefined;
}

const derived = new WeakMap<Buffer, Buffer>();

/** The HMAC key for shopper keys, derived once per encryption key. */
export function shopperKeySecret(encryptionKey: Buffer): Buffer {
  let key = derived.get(encryptionKey);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'tagbridge/shopper-key/v1', 32));
    derived.set(encryptionKey, key);
  }
  return key;
}

/** The shopper key of an identity, or null when it has neither a usable e-mail nor a customer id. */
export function shopperKeyOf(secret: Buffer, identity: Identity): string | null {
  const email = identity.email === undefined ? undefined : normalizeEmail(identity.email);
  const externalId =
    identity.externalId === undefined ? undefined : normalizeExternalId(String(identity.externalId));
  const subject = email ?? (externalId === undefined ? undefined : `ext:${externalId}`);
  if (subject === undefined) return null;
  return createHmac('sha256', secret).update(subject, 'utf8').digest('hex');
}

/** The identity as given, without empty fields (what is sealed on a stitched visitor). */
export function cleanIdentity(identity: Identity): Identity {
  const clean: Identity = {};
  for (const key of ['email', 'phone', 'externalId'] as const) {
    const value = identity[key];
    if (typeof value === 'string' && value.trim() !== '') clean[key] = value.trim().slice(0, 320);
  }
  return clean;
}
