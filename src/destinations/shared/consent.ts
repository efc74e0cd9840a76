/**
 * Consent, applied the same way before every platform (the platform-specific flags are set by each
 * adapter: Meta `data_processing_options`, TikTok `limited_data_use`, Pinterest/Snapchat `opt_out`, Reddit
 * `user.data_processing_options`, Google consent fields, Microsoft `adStorageConsent`).
 */
import type { ConsentDecision, Mapped, OutboundEvent, UserData, UserDataKey } from '../contract.js';

/** Ad click ids: each platform's, read from its landing-URL parameter (or the cookie that keeps it). */
export const AD_CLICK_IDS = [
  'fbc',
  'ttclid',
  'epik',
  'scClickId',
  'rdtClickId',
  'gclid',
  'gbraid',
  'wbraid',
  'msclkid',
] as const satisfies readonly UserDataKey[];
/** Ad platforms' browser ids (first-party cookies). */
export const AD_BROWSER_IDS = [
  'fbp',
  'ttp',
  'scCookie1',
  'rdtUuid',
] as const satisfies readonly UserDataKey[];
/** Identifiers a browser stored or read from a cookie or landing URL for advertising (TCF purpose 1). */
const AD_DEVICE_IDENTIFIERS: readonly UserDataKey[] = [...AD_CLICK_IDS, ...AD_BROWSER_IDS];
/** Google Analytics' own cookies: analytics storage. */
const ANALYTICS_DEVICE_IDENTIFIERS = ['gaClientId', 'gaSessionId'] as const satisfies readonly UserDataKey[];

/** The user data a destination may see: device identifiers go when their storage was not allowed. */
export function consentedUserData(userData: UserData, consent: ConsentDecision): UserData {
  const drop = [
    ...(consent.adStorage ? [] : AD_DEVICE_IDENTIFIERS),
    ...(consent.analytics ? [] : ANALYTICS_DEVICE_IDENTIFIERS),
  ];
  if (drop.length === 0 || !drop.some((key) => userData[key] !== undefined)) return userData;
  const kept: UserData = { ...userData };
  for (const key of drop) delete kept[key];
  return kept;
}

/** The outcome of an event a platform must not receive: `skipped`, reason `consent`. */
export const CONSENT_SKIP = { skip: 'consent' } as const satisfies Mapped;

/**
 * For the platforms that have no consent flag of their own (Meta, TikTok, Pinterest, Snapchat, Reddit): an
 * event goes only when the shopper allowed personal data for ads. A browser-built (PMW) event also needs
 * device storage, because its platform object may carry cookie identifiers we cannot take out reliably.
 */
export function adsAllowed(event: OutboundEvent): boolean {
  return event.consent.adUserData && (event.passthrough === undefined || event.consent.adStorage);
}

/** Limited data use, or personalised ads refused: the opt-out flag of Pinterest and Snapchat. */
export function optedOut(consent: ConsentDecision): boolean {
  return consent.limitedDataUse !== undefined || !consent.adPersonalization;
}
