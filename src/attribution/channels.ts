/**
 * Which landing is a touchpoint, and which channel it credits (pure). A landing counts when its URL has a
 * click id of a known platform, UTM parameters, or a referrer from outside the shop; the channel is the
 * platform the click id names, else `utm`, else `referral`.
 */
import { getDomain } from 'tldts';

export const CHANNELS = [
  'meta',
  'google_ads',
  'microsoft',
  'tiktok',
  'pinterest',
  'snapchat',
  'reddit',
  'utm',
  'referral',
] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * Click-id parameter (lowercased) → platform, in precedence order: a URL that carries two (a shared link)
 * credits the first, unless utm_source names one of the others.
 */
const CLICK_IDS: ReadonlyArray<readonly [string, Channel]> = [
  ['fbclid', 'meta'],
  ['gclid', 'google_ads'],
  ['gbraid', 'google_ads'],
  ['wbraid', 'google_ads'],
  ['msclkid', 'microsoft'],
  ['ttclid', 'tiktok'],
  ['epik', 'pinterest'],
  ['sccid', 'snapchat'],
  ['rdt_cid', 'reddit'],
];
const CHANNEL_OF_CLICK_ID = new Map(CLICK_IDS);

/** utm_source values that name a platform (lowercased), to pick among several click ids. */
const SOURCE_ALIASES: Readonly<Record<string, Channel>> = {
  facebook: 'meta',
  fb: 'meta',
  instagram: 'meta',
  ig: 'meta',
  meta: 'meta',
  google: 'google_ads',
  bing: 'microsoft',
  microsoft: 'microsoft',
  tiktok: 'tiktok',
  pinterest: 'pinterest',
  snapchat: 'snapchat',
  reddit: 'reddit',
};

/**
 * Payment and checkout hosts a shopper comes back from mid-purchase: their referrer is the end of a
 * checkout, not a source of traffic, and would otherwise take the last click from the ad that led there.
 */
const NOT_A_SOURCE = new Set([
  'paypal.com',
  'stripe.com',
  'klarna.com',
  'mollie.com',
  'adyen.com',
  'checkout.com',
  'shopify.com',
  'shop.app',
  'apple.com',
  'sofort.com',
  'paydirekt.de',
]);

/** Bounds of what one touchpoint keeps (a client sends any URL it likes). */
export const MAX_URL_LENGTH = 2048;
export const MAX_CLICK_ID_LENGTH = 512;
export const MAX_UTM_LENGTH = 200;

export interface Utm {
  source?: string | undefined;
  medium?: string | undefined;
  campaign?: string | undefined;
  term?: string | undefined;
  content?: string | undefined;
}

export interface Landing {
  url: string;
  referrer: string | null;
  clickIds: Readonly<Record<string, string>>;
  utm: Utm;
}

/** What a landing becomes: the clear columns and the sealed part. */
export interface TouchpointDraft {
  channel: Channel;
  /** Clear columns: UTM source/medium/campaign; for a referral, the referrer's host and `referral`. */
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  /** The sealed part (personal data: URLs and click ids). */
  details: TouchpointDetails;
}

export interface TouchpointDetails {
  landingUrl: string;
  referrer: string | null;
  /** Known click ids only, by their canonical parameter name. */
  clickIds: Record<string, { value: string; at: number }>;
  utmTerm?: string;
  utmContent?: string;
}

function hostOf(url: string | null): string | null {
  if (!url) return null;
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host === '' ? null : host;
  } catch {
    return null;
  }
}

/** The registrable domain (`shop.example.co.uk`), or the host itself for IPs and `localhost`. */
function siteOf(host: string): string {
  return getDomain(host, { allowPrivateDomains: false }) ?? host;
}

/**
 * A referrer from outside the shop and not a payment page: the page's own site (any subdomain: the
 * checkout on `checkout.shop.com` for a shop on `www.shop.com`) is not a source, nor is a missing or
 * unreadable referrer.
 */
export function externalReferrerHost(pageUrl: string, referrer: string | null): string | null {
  const from = hostOf(referrer);
  if (!from) return null;
  const page = hostOf(pageUrl);
  const site = siteOf(from);
  if (page && (page === from || siteOf(page) === site)) return null;
  if (NOT_A_SOURCE.has(site)) return null;
  return from;
}

/**
 * A UTM value fit for a clear column: trimmed, bounded, and never an e-mail address (mail tools sometimes
 * put the recipient in utm_content or utm_term; a value with `@` is dropped rather than stored in clear).
 */
export function cleanUtm(value: string | undefined): string | null {
  if (value === undefined) return null;
  const trimmed = value.trim().slice(0, MAX_UTM_LENGTH);
  if (trimmed === '' || trimmed.includes('@')) return null;
  return trimmed;
}

/** The known click ids of a landing, by canonical (lowercase) name, bounded; unknown names are dropped. */
export function knownClickIds(clickIds: Readonly<Record<string, string>>): Map<string, string> {
  const known = new Map<string, string>();
  for (const [name, raw] of Object.entries(clickIds)) {
    const key = name.toLowerCase();
    const value = typeof raw === 'string' ? raw.trim() : '';
    if (!CHANNEL_OF_CLICK_ID.has(key) || value === '' || value.length > MAX_CLICK_ID_LENGTH) continue;
    if (!known.has(key)) known.set(key, value);
  }
  return known;
}

/** The channel a set of click ids credits (see CLICK_IDS for the precedence), or null for none. */
export function clickChannel(
  clickIds: ReadonlyMap<string, string>,
  utmSource: string | null,
): Channel | null {
  const present: Channel[] = [];
  for (const [name, channel] of CLICK_IDS) if (clickIds.has(name)) present.push(channel);
  if (present.length === 0) return null;
  const named = utmSource === null ? undefined : SOURCE_ALIASES[utmSource.toLowerCase()];
  return named !== undefined && present.includes(named) ? named : present[0]!;
}

/** The touchpoint a landing makes, or null when it is none (no click id, no UTM, no outside referrer). */
export function touchpointOf(landing: Landing, now: number): TouchpointDraft | null {
  const clickIds = knownClickIds(landing.clickIds);
  const source = cleanUtm(landing.utm.source);
  const medium = cleanUtm(landing.utm.medium);
  const campaign = cleanUtm(landing.utm.campaign);
  const term = cleanUtm(landing.utm.term);
  const content = cleanUtm(landing.utm.content);
  const referrer = landing.referrer ? landing.referrer.slice(0, MAX_URL_LENGTH) : null;
  const details: TouchpointDetails = {
    landingUrl: landing.url.slice(0, MAX_URL_LENGTH),
    referrer,
    clickIds: Object.fromEntries([...clickIds].map(([name, value]) => [name, { value, at: now }])),
    ...(term !== null ? { utmTerm: term } : {}),
    ...(content !== null ? { utmContent: content } : {}),
  };
  const clicked = clickChannel(clickIds, source);
  if (clicked)
    return { channel: clicked, utmSource: source, utmMedium: medium, utmCampaign: campaign, details };
  if (source !== null || medium !== null || campaign !== null) {
    return { channel: 'utm', utmSource: source, utmMedium: medium, utmCampaign: campaign, details };
  }
  const host = externalReferrerHost(landing.url, referrer);
  if (host === null) return null;
  // Like web analytics' source/medium: the referring host as the source, `referral` as the medium.
  return { channel: 'referral', utmSource: host, utmMedium: 'referral', utmCampaign: null, details };
}

/**
 * Whether a new touchpoint repeats the visitor's latest one (a reload of the landing page, a second tab):
 * same channel, same clear columns, same click ids, within `withinMs`. Such a repeat is not stored again.
 */
export function repeatsTouchpoint(
  draft: TouchpointDraft,
  now: number,
  latest: {
    channel: string;
    utmSource: string | null;
    utmMedium: string | null;
    utmCampaign: string | null;
    occurredAt: number;
    clickIds: Record<string, { value: string }>;
  },
  withinMs: number,
): boolean {
  if (now - latest.occurredAt > withinMs || now < latest.occurredAt) return false;
  if (
    draft.channel !== latest.channel ||
    draft.utmSource !== latest.utmSource ||
    draft.utmMedium !== latest.utmMedium ||
    draft.utmCampaign !== latest.utmCampaign
  ) {
    return false;
  }
  const mine = Object.entries(draft.details.clickIds);
  const theirs = Object.keys(latest.clickIds);
  if (mine.length !== theirs.length) return false;
  return mine.every(([name, { value }]) => latest.clickIds[name]?.value === value);
}
