/**
 * Validation helpers shared by the fakes. Each check records an issue with the path of the offending
 * field; every platform formats the path its own way when it answers.
 */
import { isIP } from 'node:net';

export type Path = ReadonlyArray<string | number>;

export type IssueCode =
  | 'required'
  | 'type'
  | 'invalid'
  | 'unknown_key'
  | 'not_hashed'
  | 'hashed'
  | 'identifiers'
  | 'too_old'
  | 'in_future'
  | 'batch_size';

export interface Issue {
  path: Path;
  code: IssueCode;
  message: string;
}

export class Issues {
  readonly list: Issue[] = [];

  add(path: Path, code: IssueCode, message: string): void {
    this.list.push({ path, code, message });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `$['data'][0]['user_data']` — the notation Meta uses in its error_user_msg. */
export function metaPath(path: Path): string {
  return `$${path.map((part) => (typeof part === 'number' ? `[${part}]` : `['${part}']`)).join('')}`;
}

/** `data.0.user.email` — TikTok's notation. */
export function dotPath(path: Path): string {
  return path.join('.');
}

/** `data[0].user_data.em[0]`. */
export function jsPath(path: Path): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const ANY_CASE_HEX64 = /^[0-9a-fA-F]{64}$/;

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}

function describeUnhashed(value: string): string {
  if (ANY_CASE_HEX64.test(value)) return 'the hex digest must be lower case';
  if (/^[0-9a-fA-F]{32}$/.test(value)) return 'this looks like an MD5 digest; SHA-256 is required';
  if (value.includes('@')) return 'this looks like a cleartext email address';
  if (/^\+?[\d\s().-]{6,}$/.test(value)) return 'this looks like a cleartext phone number';
  return 'this value looks unhashed';
}

/** A key that must be present (null counts as missing). */
export function present(obj: Record<string, unknown>, key: string, path: Path, issues: Issues): boolean {
  if (obj[key] === undefined || obj[key] === null) {
    issues.add([...path, key], 'required', 'is required');
    return false;
  }
  return true;
}

export function expectObject(value: unknown, path: Path, issues: Issues): value is Record<string, unknown> {
  if (isRecord(value)) return true;
  issues.add(path, 'type', `must be an object, got ${typeName(value)}`);
  return false;
}

export function expectString(
  value: unknown,
  path: Path,
  issues: Issues,
  opts: { nonEmpty?: boolean } = {},
): value is string {
  if (typeof value !== 'string') {
    issues.add(path, 'type', `must be a string, got ${typeName(value)}`);
    return false;
  }
  if (opts.nonEmpty === true && value.trim() === '') {
    issues.add(path, 'invalid', 'must not be empty');
    return false;
  }
  return true;
}

export function expectNumber(value: unknown, path: Path, issues: Issues): value is number {
  if (typeof value === 'number' && Number.isFinite(value)) return true;
  issues.add(path, 'type', `must be a number, got ${typeName(value)}`);
  return false;
}

export function expectInteger(value: unknown, path: Path, issues: Issues): value is number {
  if (typeof value === 'number' && Number.isInteger(value)) return true;
  issues.add(path, 'type', `must be an integer, got ${typeName(value)}`);
  return false;
}

export function expectBoolean(value: unknown, path: Path, issues: Issues): value is boolean {
  if (typeof value === 'boolean') return true;
  issues.add(path, 'type', `must be a boolean, got ${typeName(value)}`);
  return false;
}

export function expectEnum(
  value: unknown,
  allowed: readonly string[],
  path: Path,
  issues: Issues,
): value is string {
  if (!expectString(value, path, issues)) return false;
  if (allowed.includes(value)) return true;
  issues.add(path, 'invalid', `must be one of ${allowed.join(', ')}; got '${value}'`);
  return false;
}

export function expectArray(
  value: unknown,
  path: Path,
  issues: Issues,
  opts: { min?: number; max?: number } = {},
): value is unknown[] {
  if (!Array.isArray(value)) {
    issues.add(path, 'type', `must be an array, got ${typeName(value)}`);
    return false;
  }
  if (opts.min !== undefined && value.length < opts.min) {
    issues.add(path, 'batch_size', `must contain at least ${opts.min} element(s), got ${value.length}`);
    return false;
  }
  if (opts.max !== undefined && value.length > opts.max) {
    issues.add(path, 'batch_size', `must contain at most ${opts.max} elements, got ${value.length}`);
    return false;
  }
  return true;
}

export function expectStringArray(value: unknown, path: Path, issues: Issues): value is string[] {
  if (!expectArray(value, path, issues)) return false;
  let ok = true;
  value.forEach((item, i) => {
    if (!expectString(item, [...path, i], issues)) ok = false;
  });
  return ok;
}

/** Rejects keys outside `allowed` (platforms whose schema says `additionalProperties: false`). */
export function expectKnownKeys(
  obj: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  path: Path,
  issues: Issues,
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) issues.add([...path, key], 'unknown_key', 'is not a known field');
  }
}

/**
 * A field the platform wants as SHA-256: one 64-char lowercase hex string, or an array of them,
 * as `shape` allows.
 */
export function expectHashed(
  value: unknown,
  shape: 'string' | 'array' | 'either',
  path: Path,
  issues: Issues,
): void {
  if (Array.isArray(value)) {
    if (shape === 'string') {
      issues.add(path, 'type', 'must be a string, got array');
      return;
    }
    value.forEach((item, i) => {
      expectHashedString(item, [...path, i], issues);
    });
    return;
  }
  if (shape === 'array') {
    issues.add(path, 'type', `must be an array of SHA-256 hex strings, got ${typeName(value)}`);
    return;
  }
  expectHashedString(value, path, issues);
}

function expectHashedString(value: unknown, path: Path, issues: Issues): void {
  if (!expectString(value, path, issues)) return;
  if (isSha256Hex(value)) return;
  issues.add(
    path,
    'not_hashed',
    `must be a SHA-256 hash (64 lowercase hex characters): ${describeUnhashed(value)}`,
  );
}

/** A field the platform wants in cleartext (user agent, click ids, cookies). */
export function expectPlain(value: unknown, path: Path, issues: Issues): value is string {
  if (!expectString(value, path, issues, { nonEmpty: true })) return false;
  if (ANY_CASE_HEX64.test(value)) {
    issues.add(path, 'hashed', 'must be sent unhashed, but it looks like a SHA-256 hash');
    return false;
  }
  return true;
}

/** A cleartext IPv4/IPv6 address. */
export function expectIp(value: unknown, path: Path, issues: Issues): value is string {
  if (!expectString(value, path, issues, { nonEmpty: true })) return false;
  if (ANY_CASE_HEX64.test(value)) {
    issues.add(path, 'hashed', 'must be the cleartext IP address, but it looks like a SHA-256 hash');
    return false;
  }
  if (isIP(value) === 0) {
    issues.add(path, 'invalid', 'must be a valid IPv4 or IPv6 address');
    return false;
  }
  return true;
}

/** A page URL (event_source_url, eventSourceUrl, referrers): absolute http(s). */
export function expectUrl(value: unknown, path: Path, issues: Issues): void {
  if (!expectString(value, path, issues, { nonEmpty: true })) return;
  if (!/^https?:\/\/[^\s/]+/i.test(value)) issues.add(path, 'invalid', 'must be an absolute http(s) URL');
}

/** Everything below this is plausibly seconds; above, milliseconds (1e11 s is the year 5138). */
const SECONDS_CEILING = 1e11;

export function expectUnixSeconds(value: unknown, path: Path, issues: Issues): value is number {
  if (!expectInteger(value, path, issues)) return false;
  if (value >= SECONDS_CEILING) {
    issues.add(path, 'invalid', 'must be a Unix timestamp in seconds; this looks like milliseconds');
    return false;
  }
  if (value <= 0) {
    issues.add(path, 'invalid', 'must be a positive Unix timestamp in seconds');
    return false;
  }
  return true;
}

export function expectUnixMillis(value: unknown, path: Path, issues: Issues): value is number {
  if (!expectInteger(value, path, issues)) return false;
  if (value < SECONDS_CEILING) {
    issues.add(path, 'invalid', 'must be a Unix timestamp in milliseconds; this looks like seconds');
    return false;
  }
  return true;
}

/** Event age against the platform's window; `maxFutureMs` only where the platform documents one. */
export function checkAge(
  eventMs: number,
  nowMs: number,
  limits: { maxAgeMs: number; maxFutureMs?: number; ageText: string },
  path: Path,
  issues: Issues,
): void {
  if (nowMs - eventMs > limits.maxAgeMs) {
    issues.add(path, 'too_old', `is too far in the past: events must be at most ${limits.ageText} old`);
  } else if (limits.maxFutureMs !== undefined && eventMs - nowMs > limits.maxFutureMs) {
    issues.add(
      path,
      'in_future',
      `is too far in the future: at most ${Math.round(limits.maxFutureMs / 60000)} minutes ahead is accepted`,
    );
  }
}

export const ISO_CURRENCY = /^[A-Z]{3}$/;

export const DAY_MS = 24 * 60 * 60 * 1000;
