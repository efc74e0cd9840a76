import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hash,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { randomBytesPooled } from './random.js';

/** Lowercase hex SHA-256 of the UTF-8 bytes of `value` (one-shot: no Hash object per call on hot paths). */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/** A secret token as lowercase hex (the WooCommerce plugin accepts only hex tokens). */
export function randomHexToken(bytes = 32): string {
  return randomBytes(bytes).toString('hex');
}

/** Constant-time comparison of two strings (lengths are not secret). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

/** The id of a key: the first 8 hex characters of its SHA-256, stored next to every sealed value. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

const VERSION = 'v1';

/**
 * AES-256-GCM sealing of small JSON values (personal data of waiting events, destination credentials).
 * Format: `v1.<keyId>.<iv b64url>.<ciphertext+tag b64url>`. The first key seals; every key opens, so a
 * key can be rotated by moving it to ENCRYPTION_KEYS_PREVIOUS.
 */
export class Sealer {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentId: string;

  constructor(keys: Buffer[]) {
    const [current] = keys;
    if (!current) throw new Error('Sealer needs at least one key');
    this.currentId = keyId(current);
    for (const key of keys) this.keys.set(keyId(key), key);
  }

  get currentKeyId(): string {
    return this.currentId;
  }

  seal(value: unknown, associatedData?: string): string {
    const key = this.keys.get(this.currentId)!;
    const iv = randomBytesPooled(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    if (associatedData) cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([
      cipher.update(JSON.stringify(value), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${VERSION}.${this.currentId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  open<T>(sealed: string, associatedData?: string): T {
    const [version, id, ivText, bodyText] = sealed.split('.');
    if (version !== VERSION || !id || !ivText || !bodyText) throw new Error('Malformed sealed value');
    const key = this.keys.get(id);
    if (!key)
      throw new Error(`No key with id ${id} is configured (was it removed from ENCRYPTION_KEYS_PREVIOUS?)`);
    const body = Buffer.from(bodyText, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
    if (associatedData) decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    const plain = Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  }

  /** The key id a sealed value was sealed with (to find values to re-seal after a rotation). */
  static keyIdOf(sealed: string): string | undefined {
    return sealed.split('.')[1];
  }
}

/** `sk-****…7f3a`: enough to recognise a credential, never enough to use it. */
export function maskSecret(secret: string): string {
  if (secret.length <= 8) return '****';
  const prefix = /^[A-Za-z]{2,4}[-_]/.exec(secret)?.[0] ?? '';
  return `${prefix}****…${secret.slice(-4)}`;
}
