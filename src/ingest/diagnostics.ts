/**
 * Per-event diagnostics, decided once at ingest while the personal data is in the clear, and stored as
 * flags on the event (`events.diagnostics`) — never the values themselves. They answer the questions shops
 * ask when match quality is low or conversions double (docs/diagnostics.md): is the IP really the
 * shopper's, did a click id get lost between the landing URL and the event, can any platform match this
 * event at all, and did the browser and the server send the same event id.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { normalizeIp, splitPort } from '../destinations/normalize/ip.js';
import { AD_BROWSER_IDS, AD_CLICK_IDS } from '../destinations/shared/consent.js';
import type { UserData, UserDataKey } from '../destinations/types.js';

export const DIAGNOSTIC_FLAGS = {
  /** The IP was private, loopback, link-local or otherwise never a shopper's (it is not sent). */
  ipNotPublic: 1,
  /** The IP carried a port (`1.2.3.4:5678`); it is sent without. */
  ipWithPort: 2,
  /** The IP did not parse (it is not sent). */
  ipMalformed: 4,
  /** The same IP came with many different shoppers recently: likely the shop server's or a proxy's. */
  ipShared: 8,
  /** The page URL carries a click id (fbclid, gclid, …) that the event's user data does not. */
  clickIdNotInEvent: 16,
  /** Nothing a platform can match a person on: no email, phone, external id, click id or browser id. */
  noIdentifier: 32,
  /** The event carries an ad click id. */
  hasClickId: 64,
  /** The same event id also arrived from the other path (browser vs server): platforms can deduplicate. */
  pairedAcrossPaths: 128,
} as const;
export type DiagnosticFlag = keyof typeof DIAGNOSTIC_FLAGS;

/** Landing-URL parameters and the user-data key that carries each click id (also read from order landing URLs). */
export const URL_CLICK_IDS: ReadonlyArray<[string, (typeof AD_CLICK_IDS)[number]]> = [
  ['fbclid', 'fbc'],
  ['ttclid', 'ttclid'],
  ['epik', 'epik'],
  ['ScCid', 'scClickId'],
  // Snapchat documents both spellings (reference/clients.md §6).
  ['sccid', 'scClickId'],
  ['rdt_cid', 'rdtClickId'],
  ['gclid', 'gclid'],
  ['gbraid', 'gbraid'],
  ['wbraid', 'wbraid'],
  ['msclkid', 'msclkid'],
];
/** What a platform can match a person on: contact ids, the platforms' browser ids and click ids. */
const PERSON_KEYS: readonly UserDataKey[] = [
  'email',
  'phone',
  'externalId',
  'gaClientId',
  ...AD_BROWSER_IDS,
  ...AD_CLICK_IDS,
];

function ipFlags(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const { address: ip, hadPort } = splitPort(raw.trim());
  const flags = hadPort ? DIAGNOSTIC_FLAGS.ipWithPort : 0;
  if (isIP(ip) === 0) return flags | DIAGNOSTIC_FLAGS.ipMalformed;
  // normalizeIp drops what is never a shopper's, exactly as the destinations will (the port is gone already).
  return normalizeIp(ip) !== undefined ? flags : flags | DIAGNOSTIC_FLAGS.ipNotPublic;
}

function clickIdMissing(url: string | null | undefined, userData: UserData): boolean {
  if (!url?.includes('=')) return false;
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    return false;
  }
  return URL_CLICK_IDS.some(([param, key]) => params.get(param) && userData[key] === undefined);
}

/**
 * Remembers, per domain, which shoppers each IP came with over a short window — as 32-bit tags from a hash
 * seeded at random per process (the raw IP and email are never kept; the tags only need to tell values
 * apart, and nothing here is ever stored), bounded in IPs per domain and shoppers per IP. An IP seen with
 * `threshold` or more different shoppers is flagged. Each node sees its own share of the traffic, which is
 * enough: a shop server's IP carries all of its shoppers. (A keyed HMAC per value cost ~3 µs per event;
 * this costs well under one.)
 */
export class SharedIpTracker {
  private readonly seed = randomBytes(4).readUInt32LE(0);
  private readonly domains = new Map<string, Map<number, { shoppers: Set<number>; since: number }>>();

  constructor(
    private readonly options = {
      threshold: 20,
      windowMs: 10 * 60_000,
      maxIpsPerDomain: 2000,
      maxDomains: 5000,
    },
  ) {}

  /** FNV-1a over the UTF-16 code units, from the per-process seed. */
  private tag(value: string): number {
    let hash = (0x811c9dc5 ^ this.seed) >>> 0;
    for (let i = 0; i < value.length; i++) {
      hash ^= value.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash;
  }

  /** Records this shopper on this IP; true when the IP has come with many different shoppers. */
  observe(domainId: string, ip: string, shopper: string, now: number): boolean {
    let ips = this.domains.get(domainId);
    if (!ips) {
      if (this.domains.size >= this.options.maxDomains) {
        const oldest = this.domains.keys().next().value;
        if (oldest !== undefined) this.domains.delete(oldest);
      }
      ips = new Map();
      this.domains.set(domainId, ips);
    }
    const ipTag = this.tag(ip);
    let entry = ips.get(ipTag);
    if (entry && now - entry.since > this.options.windowMs) {
      ips.delete(ipTag);
      entry = undefined;
    }
    if (!entry) {
      if (ips.size >= this.options.maxIpsPerDomain) {
        const oldest = ips.keys().next().value;
        if (oldest !== undefined) ips.delete(oldest);
      }
      entry = { shoppers: new Set(), since: now };
      ips.set(ipTag, entry);
    }
    if (entry.shoppers.size < this.options.threshold) entry.shoppers.add(this.tag(shopper));
    return entry.shoppers.size >= this.options.threshold;
  }
}

/** Who the shopper is, for telling shoppers apart on one IP: the strongest identifier present. */
function shopperOf(userData: UserData): string | undefined {
  return userData.email ?? userData.phone ?? userData.externalId ?? userData.fbp ?? userData.gaClientId;
}

export function diagnosticFlags(
  input: { domainId: string; userData: UserData; eventSourceUrl?: string | null | undefined; now: number },
  sharedIps: SharedIpTracker | undefined,
): number {
  const { userData } = input;
  let flags = ipFlags(userData.ipAddress);
  if (clickIdMissing(input.eventSourceUrl, userData)) flags |= DIAGNOSTIC_FLAGS.clickIdNotInEvent;
  if (!PERSON_KEYS.some((key) => userData[key] !== undefined)) flags |= DIAGNOSTIC_FLAGS.noIdentifier;
  if (AD_CLICK_IDS.some((key) => userData[key] !== undefined)) flags |= DIAGNOSTIC_FLAGS.hasClickId;
  const shopper = shopperOf(userData);
  if (
    sharedIps &&
    userData.ipAddress &&
    shopper !== undefined &&
    (flags & DIAGNOSTIC_FLAGS.ipMalformed) === 0
  ) {
    if (sharedIps.observe(input.domainId, userData.ipAddress.trim(), shopper, input.now)) {
      flags |= DIAGNOSTIC_FLAGS.ipShared;
    }
  }
  return flags;
}

/** The names of the flags set in an `events.diagnostics` value. */
export function diagnosticNames(flags: number): DiagnosticFlag[] {
  return (Object.entries(DIAGNOSTIC_FLAGS) as Array<[DiagnosticFlag, number]>)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name);
}
