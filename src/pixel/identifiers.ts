/**
 * First-party identifiers of a collect request (pure): from the landing URL's click-id parameters and the
 * cookies the browser holds, decide what the events carry (`userData`) and which cookies the answer sets.
 * Formats follow the platforms' own cookies (docs/pixel.md "Collect" lists them):
 *
 * | URL parameter | cookie | value | userData |
 * | --- | --- | --- | --- |
 * | — | `_fbp` | `fb.1.<ms>.<10 digits>`, created when missing | `fbp` |
 * | `fbclid` | `_fbc` | `fb.1.<ms>.<fbclid>` (fbclid byte for byte; a 10-digit time is kept as it is) | `fbc` (the cookie) |
 * | `gclid` | `_gcl_aw` | `GCL.<unix s>.<gclid>` | `gclid` |
 * | `gbraid` | `_tb_gbraid` | `GCL.<unix s>.<gbraid>` | `gbraid` |
 * | `wbraid` | `_tb_wbraid` | `GCL.<unix s>.<wbraid>` | `wbraid` |
 * | `ttclid` | `_ttclid` | the click id | `ttclid` |
 * | `epik` | `_epik` | the click id | `epik` |
 * | `ScCid`, `sccid` | `_scclid` | the click id | `scClickId` |
 * | `rdt_cid` | `_rdt_cid` | the click id | `rdtClickId` |
 * | `msclkid` | `_uetmsclkid` | `_uet<msclkid>` | `msclkid` |
 * | — | `_ttp`, `_scid`, `_rdt_uuid` | read only (the platforms' pixels own them) | `ttp`, `scCookie1`, `rdtUuid` |
 * | — | `_ga` | `GA1.1.<random>.<unix s>`, created when missing | `gaClientId` (`<random>.<unix s>`) |
 * | — | `_tb_vid` | 22 base64url characters, created when missing | (the visitor, for attribution) |
 *
 * A click id already in its cookie keeps its cookie (and time); a different one on the URL replaces it.
 * Every cookie this module manages is set again on each request, which renews its lifetime (Safari caps
 * cookies written by scripts at 7 days, not those a server sets).
 *
 * Consent: ads denied → no ad identifier is read, set or forwarded, and the ad cookies present are expired;
 * analytics denied → no `_ga`; both denied → no `_tb_vid` either.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { UserData } from '../destinations/types.js';
import type { PixelCookie } from './cookies.js';

export interface IdentifierConsent {
  ads: boolean;
  analytics: boolean;
}

export interface IdentifierInput {
  /** The page URL first, then other URLs of the batch (SPA pages): the first carrying a parameter wins. */
  urls: readonly string[];
  /** The request's cookies (mergeCookies: the Cookie header, then what the script read). */
  cookies: Readonly<Record<string, string>>;
  consent: IdentifierConsent;
  /** ms */
  now: number;
  /** Lifetime of the cookies kept or created. */
  maxAgeSeconds: number;
  /** Randomness (tests fix it). */
  random?: IdentifierRandom;
}

export interface IdentifierRandom {
  /** The random part of a new `_fbp`: 10 digits. */
  fbpDigits(): string;
  /** The random part of a new `_ga` client id. */
  gaDigits(): string;
  /** A new `_tb_vid`: 22 base64url characters. */
  visitorId(): string;
}

export const systemRandom: IdentifierRandom = {
  fbpDigits: () => String(randomInt(1_000_000_000, 10_000_000_000)),
  gaDigits: () => String(randomInt(100_000_000, 2_147_483_647)),
  visitorId: () => randomBytes(16).toString('base64url'),
};

export const UTM_KEYS = ['source', 'medium', 'campaign', 'term', 'content'] as const;
export type Utm = Partial<Record<(typeof UTM_KEYS)[number], string>>;

export type PixelUserData = Pick<
  UserData,
  | 'fbc'
  | 'fbp'
  | 'gclid'
  | 'gbraid'
  | 'wbraid'
  | 'ttclid'
  | 'ttp'
  | 'epik'
  | 'scClickId'
  | 'scCookie1'
  | 'rdtClickId'
  | 'rdtUuid'
  | 'msclkid'
  | 'gaClientId'
>;

export interface IdentifierResult {
  userData: PixelUserData;
  /** Set-Cookie, in a stable order. */
  cookies: PixelCookie[];
  /** The `_tb_vid` (null when neither ads nor analytics consent holds). */
  visitorId: string | null;
  /** Click ids on this request's URLs, by their URL parameter name (attribution's touchpoints). */
  clickIds: Record<string, string>;
  utm: Utm;
}

interface ClickIdSpec {
  /** URL parameter names, case-sensitive, the first one present wins. */
  params: readonly string[];
  cookie: string;
  key: keyof PixelUserData;
  /** The cookie value for a click id first seen at `now` (ms). */
  encode(id: string, now: number): string;
  /** The click id in a cookie value (undefined: not ours or malformed). */
  decode(value: string): string | undefined;
  /** What userData carries: the click id, or the whole cookie (Meta's fbc). */
  forward: 'id' | 'cookie';
}

const plain = {
  encode: (id: string) => id,
  decode: (value: string) => (isClickId(value) ? value : undefined),
};
// Google's `_gcl_aw` format; our own names for the braids (Google's tag keeps them elsewhere).
const gcl = {
  encode: (id: string, now: number) => `GCL.${Math.floor(now / 1000)}.${id}`,
  decode: (value: string) => /^GCL\.\d+\.(.+)$/.exec(value)?.[1],
};
const FBC = /^fb\.[0-2]\.(\d{10}|\d{13})\.(.+)$/;

const CLICK_IDS: readonly ClickIdSpec[] = [
  {
    params: ['fbclid'],
    cookie: '_fbc',
    key: 'fbc',
    encode: (id, now) => `fb.1.${now}.${id}`,
    decode: (value) => FBC.exec(value)?.[2],
    forward: 'cookie',
  },
  { params: ['gclid'], cookie: '_gcl_aw', key: 'gclid', ...gcl, forward: 'id' },
  { params: ['gbraid'], cookie: '_tb_gbraid', key: 'gbraid', ...gcl, forward: 'id' },
  { params: ['wbraid'], cookie: '_tb_wbraid', key: 'wbraid', ...gcl, forward: 'id' },
  { params: ['ttclid'], cookie: '_ttclid', key: 'ttclid', ...plain, forward: 'id' },
  { params: ['epik'], cookie: '_epik', key: 'epik', ...plain, forward: 'id' },
  { params: ['ScCid', 'sccid'], cookie: '_scclid', key: 'scClickId', ...plain, forward: 'id' },
  { params: ['rdt_cid'], cookie: '_rdt_cid', key: 'rdtClickId', ...plain, forward: 'id' },
  {
    params: ['msclkid'],
    cookie: '_uetmsclkid',
    key: 'msclkid',
    encode: (id) => `_uet${id}`,
    decode: (value) => /^_uet(.+)$/.exec(value)?.[1],
    forward: 'id',
  },
];

/** Platform pixels' browser ids: forwarded when present, never written. */
const READ_ONLY: ReadonlyArray<{ cookie: string; key: keyof PixelUserData }> = [
  { cookie: '_ttp', key: 'ttp' },
  { cookie: '_scid', key: 'scCookie1' },
  { cookie: '_rdt_uuid', key: 'rdtUuid' },
];

const FBP = /^fb\.[0-2]\.(\d{10}|\d{13})\.\d{8,20}$/;
const GA = /^GA\d\.\d+\.(\d+\.\d+)$/;
const VISITOR_ID = /^[A-Za-z0-9_-]{22}$/;

/** The ad cookies this module writes: expired when ads consent is denied. */
export const AD_COOKIES: readonly string[] = ['_fbp', ...CLICK_IDS.map((c) => c.cookie)];

/** Printable ASCII without spaces, short enough for every platform field (and the event schema's 512). */
function isClickId(value: string): boolean {
  return /^[\x21-\x7e]{1,500}$/.test(value) && !/[;,"\\]/.test(value);
}

/**
 * A query parameter exactly as the URL holds it (no percent-decoding, no `+` → space): click ids are
 * forwarded byte for byte (Meta flags a modified fbclid).
 */
function rawParam(url: URL, name: string): string | undefined {
  for (const pair of url.search.slice(1).split('&')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at) === name) {
      const value = pair.slice(at + 1);
      return isClickId(value) ? value : undefined;
    }
  }
  return undefined;
}

function parseUrls(urls: readonly string[]): URL[] {
  const parsed: URL[] = [];
  for (const url of urls) {
    try {
      parsed.push(new URL(url));
    } catch {
      // Not a URL: nothing to read from it (the collect body checks the page URL itself).
    }
  }
  return parsed;
}

function utmOf(urls: readonly URL[]): Utm {
  for (const url of urls) {
    const utm: Utm = {};
    for (const key of UTM_KEYS) {
      const value = url.searchParams.get(`utm_${key}`)?.trim();
      if (value) utm[key] = value.slice(0, 200);
    }
    if (Object.keys(utm).length > 0) return utm;
  }
  return {};
}

export function resolveIdentifiers(input: IdentifierInput): IdentifierResult {
  const { cookies, consent, now, maxAgeSeconds } = input;
  const random = input.random ?? systemRandom;
  const urls = parseUrls(input.urls);
  const userData: PixelUserData = {};
  const set: PixelCookie[] = [];
  const keep = (name: string, value: string): void => {
    set.push({ name, value, maxAgeSeconds });
  };
  const expire = (name: string): void => {
    if (cookies[name] !== undefined) set.push({ name, value: '', maxAgeSeconds: 0 });
  };
  const clickIds: Record<string, string> = {};

  if (consent.ads) {
    const fbp = cookies._fbp;
    const browserId = fbp && FBP.test(fbp) ? fbp : `fb.1.${now}.${random.fbpDigits()}`;
    keep('_fbp', browserId);
    userData.fbp = browserId;

    for (const spec of CLICK_IDS) {
      let fromUrl: { param: string; id: string } | undefined;
      for (const url of urls) {
        for (const param of spec.params) {
          const id = rawParam(url, param);
          if (id !== undefined) {
            fromUrl = { param, id };
            break;
          }
        }
        if (fromUrl) break;
      }
      const current = cookies[spec.cookie];
      const currentId = current === undefined ? undefined : spec.decode(current);
      let value: string | undefined;
      let id: string | undefined;
      if (fromUrl) {
        clickIds[fromUrl.param] = fromUrl.id;
        id = fromUrl.id;
        // The same click id again keeps its cookie, and with it the time it was first seen.
        value = currentId === fromUrl.id && current ? current : spec.encode(fromUrl.id, now);
      } else if (current !== undefined && currentId !== undefined) {
        value = current;
        id = currentId;
      }
      if (value === undefined || id === undefined) continue;
      keep(spec.cookie, value);
      userData[spec.key] = spec.forward === 'cookie' ? value : id;
    }

    for (const { cookie, key } of READ_ONLY) {
      const value = cookies[cookie];
      if (value !== undefined && value.length <= 500) userData[key] = value;
    }
  } else {
    for (const name of AD_COOKIES) expire(name);
  }

  if (consent.analytics) {
    const current = cookies._ga;
    const match = current === undefined ? null : GA.exec(current);
    const ga = match && current ? current : `GA1.1.${random.gaDigits()}.${Math.floor(now / 1000)}`;
    keep('_ga', ga);
    userData.gaClientId = GA.exec(ga)?.[1] ?? ga;
  } else {
    expire('_ga');
  }

  let visitorId: string | null = null;
  if (consent.ads || consent.analytics) {
    const current = cookies._tb_vid;
    visitorId = current && VISITOR_ID.test(current) ? current : random.visitorId();
    keep('_tb_vid', visitorId);
  } else {
    expire('_tb_vid');
  }

  return { userData, cookies: set, visitorId, clickIds, utm: utmOf(urls) };
}
