/**
 * The personal data of a queued event, as it is sealed on disk: binary AES-256-GCM (no base64) around a
 * compact JSON form whose user-data keys are one or two letters. Every byte here is paid once per stored
 * event, so `{"u":{"email":…,"userAgent":…}}` becomes `{"u":{"e":…,"ua":…}}`.
 *
 * The codes are fixed per key (not positions in USER_DATA_KEYS), so the key list can grow or be reordered
 * without changing what values already on disk mean. Values sealed before the codes (full key names, text
 * format) still open: a name that is not a code is kept as it is.
 */
import type { DestinationType, UserData, UserDataKey } from '../destinations/types.js';
import type { SealedValue, Sealer } from '../lib/crypto.js';
import { entryPayload, type GroupEntry } from '../storage/pii-groups.js';
import type { SealedPageData } from './page-privacy.js';

/** What is sealed per event. `u`: user data; `m`: pmw platform members, forwarded as they are. */
export interface SealedPayload {
  u: UserData;
  m?: Partial<Record<DestinationType, Record<string, unknown>>>;
  /** The page URL as sent and customData's personal fields, kept out of the clear columns (page-privacy.ts). */
  s?: SealedPageData;
}

/** Never change a code once released: stored events are read back with it. New keys get new codes. */
const CODES = {
  email: 'e',
  phone: 'p',
  firstName: 'fn',
  lastName: 'ln',
  gender: 'g',
  dateOfBirth: 'db',
  city: 'ct',
  state: 'st',
  zip: 'z',
  country: 'c',
  externalId: 'x',
  ipAddress: 'ip',
  userAgent: 'ua',
  fbc: 'fc',
  fbp: 'fp',
  ttclid: 'tc',
  ttp: 'tp',
  epik: 'ep',
  scClickId: 'sc',
  scCookie1: 's1',
  rdtClickId: 'rc',
  rdtUuid: 'ru',
  gaClientId: 'ga',
  gaSessionId: 'gs',
  gclid: 'gc',
  gbraid: 'gb',
  wbraid: 'wb',
  msclkid: 'ms',
} as const satisfies Record<UserDataKey, string>;

const KEYS_BY_CODE = new Map<string, UserDataKey>(
  Object.entries(CODES).map(([key, code]) => [code, key as UserDataKey]),
);

// Both run once per event (sealing at ingest, opening in the drain): for…in visits the same own keys as
// Object.entries without an array of pairs per event (~0.9 KB of garbage per opened event, the drain's
// allocation profile).
function encodeUserData(userData: UserData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in userData) {
    const value = userData[key as UserDataKey];
    if (value !== undefined) out[CODES[key as UserDataKey] ?? key] = value;
  }
  return out;
}

function decodeUserData(encoded: Record<string, string> | undefined): UserData {
  const out: UserData = {};
  if (!encoded) return out;
  for (const code in encoded) {
    out[KEYS_BY_CODE.get(code) ?? (code as UserDataKey)] = encoded[code]!;
  }
  return out;
}

/**
 * `events.match_keys`: which match keys an event carried (never their values), as the same codes,
 * comma-separated (`e,p,ip,ua`). Event listings show the names (matchKeyNames).
 */
export function matchKeysColumn(userData: UserData): string {
  return Object.keys(userData)
    .map((key) => CODES[key as UserDataKey] ?? key)
    .join(',');
}

/** The names of the match keys in an `events.match_keys` value; rows of earlier releases hold the names. */
export function matchKeyNames(column: string | null): UserDataKey[] {
  if (!column) return [];
  return column.split(',').map((code) => KEYS_BY_CODE.get(code) ?? (code as UserDataKey));
}

type CompactPayload = { u?: Record<string, string>; m?: SealedPayload['m']; s?: SealedPageData };

function compactOf(payload: SealedPayload): CompactPayload {
  const compact: CompactPayload = { u: encodeUserData(payload.u) };
  if (payload.m) compact.m = payload.m;
  if (payload.s) compact.s = payload.s;
  return compact;
}

function fromCompact(compact: CompactPayload): SealedPayload {
  const payload: SealedPayload = { u: decodeUserData(compact.u) };
  if (compact.m) payload.m = compact.m;
  if (compact.s) payload.s = compact.s;
  return payload;
}

/**
 * An event's entry in its ingest group's sealed value (storage/pii-groups.ts): `[pk, compact payload]` as
 * JSON, sealed with the rest of the group by the group commit.
 */
export function payloadEntry(payload: SealedPayload, eventPk: string): string {
  return JSON.stringify([eventPk, compactOf(payload)]);
}

/** The payload of an opened group entry (storage/pii-groups.ts entryPayload). */
export function payloadOfEntry(compact: unknown): SealedPayload {
  return fromCompact(compact as CompactPayload);
}

/**
 * Seals one event's personal data on its own, the event's primary key as the associated data (no swapping
 * rows): an order's backfilled Purchase, written outside the group commit. Rows of earlier releases hold
 * the same.
 */
export function sealPayload(sealer: Sealer, payload: SealedPayload, eventPk: string): Buffer {
  return sealer.sealBinary(compactOf(payload), eventPk);
}

/** Opens what sealPayload (or an earlier release's text sealing) stored. Throws when it cannot. */
export function openPayload(sealer: Sealer, sealed: SealedValue, eventPk: string): SealedPayload {
  return fromCompact(sealer.open<CompactPayload>(sealed, eventPk));
}

/** Where an event row's personal data is: its own seal, or its slot in an ingest group (migration 0016). */
export interface EventSealRef {
  id: string;
  pii_sealed: SealedValue | null;
  pii_group: number | string | null;
  pii_slot: number | null;
}

/**
 * An event's personal data, in either form; null once erased. `groupEntries` gives a group's opened entries
 * (the caller opens each group once for many events), undefined when the group is gone. Throws when the
 * data cannot be opened.
 */
export function openEventPayload(
  sealer: Sealer,
  event: EventSealRef,
  groupEntries: (groupId: number) => readonly GroupEntry[] | undefined,
): SealedPayload | null {
  if (event.pii_sealed !== null) return openPayload(sealer, event.pii_sealed, event.id);
  if (event.pii_slot === null || event.pii_group === null) return null;
  const entries = groupEntries(Number(event.pii_group));
  if (!entries) throw new Error(`sealed group ${event.pii_group} is gone`);
  const entry = entryPayload(entries, event.pii_slot, event.id);
  return entry === null ? null : fromCompact(entry as CompactPayload);
}
