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
/** First byte of the binary format; a text value starts with `v` (0x76), so the two never collide. */
const BINARY_VERSION = 0x02;
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What `open` accepts: a text-sealed value, or a binary one as the database returns it (Buffer). */
export type SealedValue = string | Uint8Array;

/** A Buffer over the same bytes (no copy): the database drivers return Buffers, a worker thread Uint8Arrays. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * AES-256-GCM sealing of small JSON values (personal data of waiting events, destination credentials).
 * Two formats, both opened by `open`:
 * - text, `v1.<keyId>.<iv b64url>.<ciphertext+tag b64url>`: credentials and tokens, in text columns;
 * - binary (`sealBinary`), `0x02 | keyId (4 bytes) | iv (12) | ciphertext | tag (16)`: the personal data of
 *   queued events, one per event, where base64 would cost a third more bytes on disk.
 * The first key seals; every key opens, so a key can be rotated by moving it to ENCRYPTION_KEYS_PREVIOUS.
 */
export class Sealer {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentId: string;

  /** Version byte and current key id: the first bytes of every binary value sealed now. */
  private readonly binaryPrefix: Buffer;

  constructor(keys: Buffer[]) {
    const [current] = keys;
    if (!current) throw new Error('Sealer needs at least one key');
    this.currentId = keyId(current);
    for (const key of keys) this.keys.set(keyId(key), key);
    this.binaryPrefix = Buffer.allocUnsafe(1 + KEY_ID_BYTES);
    this.binaryPrefix[0] = BINARY_VERSION;
    this.binaryPrefix.write(this.currentId, 1, 'hex');
  }

  get currentKeyId(): string {
    return this.currentId;
  }

  seal(value: unknown, associatedData?: string): string {
    const { iv, ciphertext, tag } = this.encrypt(JSON.stringify(value), associatedData);
    const body = Buffer.concat([...ciphertext, tag]);
    return `${VERSION}.${this.currentId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** The binary format: 33 bytes of overhead per value instead of the text format's ~60. */
  sealBinary(value: unknown, associatedData?: string): Buffer {
    return this.sealBinaryJson(JSON.stringify(value), associatedData);
  }

  /** sealBinary of a value already in JSON (an ingest group's entries, joined without parsing them again). */
  sealBinaryJson(json: string, associatedData?: string): Buffer {
    const { iv, ciphertext, tag } = this.encrypt(json, associatedData);
    return Buffer.concat([this.binaryPrefix, iv, ...ciphertext, tag]);
  }

  /** The binary prefix (version byte and key id) of values sealed with the current key (key rotation). */
  get currentBinaryPrefix(): Buffer {
    return Buffer.from(this.binaryPrefix);
  }

  open<T>(sealed: SealedValue, associatedData?: string): T {
    if (typeof sealed !== 'string') {
      // A text value stored in a binary column (PostgreSQL's migration to bytea kept the old values' bytes).
      if (sealed[0] !== BINARY_VERSION)
        return this.open<T>(Buffer.from(sealed).toString('utf8'), associatedData);
      return this.openBinary<T>(asBuffer(sealed), associatedData);
    }
    const [version, id, ivText, bodyText] = sealed.split('.');
    if (version !== VERSION || !id || !ivText || !bodyText) throw new Error('Malformed sealed value');
    const body = Buffer.from(bodyText, 'base64url');
    return this.decrypt<T>(id, Buffer.from(ivText, 'base64url'), body, associatedData);
  }

  private openBinary<T>(sealed: Buffer, associatedData?: string): T {
    const bodyStart = 1 + KEY_ID_BYTES + IV_BYTES;
    if (sealed.length < bodyStart + TAG_BYTES) throw new Error('Malformed sealed value');
    const id = sealed.toString('hex', 1, 1 + KEY_ID_BYTES);
    return this.decrypt<T>(
      id,
      sealed.subarray(1 + KEY_ID_BYTES, bodyStart),
      sealed.subarray(bodyStart),
      associatedData,
    );
  }

  /**
   * AES-256-GCM of the value's JSON under the current key, with a fresh IV. The ciphertext comes in the
   * cipher's pieces, copied once into the sealed value by the caller (on the ingest path: once per group commit).
   */
  private encrypt(
    json: string,
    associatedData: string | undefined,
  ): { iv: Buffer; ciphertext: Buffer[]; tag: Buffer } {
    const key = this.keys.get(this.currentId)!;
    const iv = randomBytesPooled(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    if (associatedData) cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = [cipher.update(json, 'utf8'), cipher.final()];
    return { iv, ciphertext, tag: cipher.getAuthTag() };
  }

  /** Opens `body` (ciphertext then tag) with the key `id` names; both formats end here. */
  private decrypt<T>(id: string, iv: Buffer, body: Buffer, associatedData: string | undefined): T {
    const key = this.keys.get(id);
    if (!key)
      throw new Error(`No key with id ${id} is configured (was it removed from ENCRYPTION_KEYS_PREVIOUS?)`);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    if (associatedData) decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    // Decoded as it is deciphered (no Buffer of the plaintext to concatenate and decode: once per opened
    // event in the drain). `final` checks the tag, and throws, before anything is parsed.
    const text = decipher.update(body.subarray(0, body.length - TAG_BYTES), undefined, 'utf8');
    return JSON.parse(text + decipher.final('utf8')) as T;
  }

  /** The key id a sealed value was sealed with (to find values to re-seal after a rotation). */
  static keyIdOf(sealed: SealedValue): string | undefined {
    if (typeof sealed === 'string') return sealed.split('.')[1];
    if (sealed[0] !== BINARY_VERSION) return Buffer.from(sealed).toString('utf8').split('.')[1];
    return asBuffer(sealed).toString('hex', 1, 1 + KEY_ID_BYTES);
  }
}

/** `sk-****…7f3a`: enough to recognise a credential, never enough to use it. */
export function maskSecret(secret: string): string {
  if (secret.length <= 8) return '****';
  const prefix = /^[A-Za-z]{2,4}[-_]/.exec(secret)?.[0] ?? '';
  return `${prefix}****…${secret.slice(-4)}`;
}
