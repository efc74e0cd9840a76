/**
 * GA4's naming rules for event and parameter names (Measurement Protocol reference, "Reserved names"):
 * up to 40 characters, letters, digits and `_`, starting with a letter; the reserved names and prefixes
 * below are refused.
 */

/** Event names the Measurement Protocol refuses (the reference's list, automatically collected events). */
export const GA4_RESERVED_EVENT_NAMES: ReadonlySet<string> = new Set([
  'ad_activeview',
  'ad_click',
  'ad_exposure',
  'ad_impression',
  'ad_query',
  'ad_reward',
  'adunit_exposure',
  'app_background',
  'app_clear_data',
  'app_exception',
  'app_install',
  'app_remove',
  'app_store_refund',
  'app_store_subscription_cancel',
  'app_store_subscription_convert',
  'app_store_subscription_renew',
  'app_update',
  'app_upgrade',
  'dynamic_link_app_open',
  'dynamic_link_app_update',
  'dynamic_link_first_open',
  'error',
  'first_open',
  'first_visit',
  'in_app_purchase',
  'notification_dismiss',
  'notification_foreground',
  'notification_open',
  'notification_receive',
  'os_update',
  'session_start',
  'session_start_with_rollout',
  'user_engagement',
]);

/** Prefixes reserved for event and parameter names (`_` and `gtag.` cannot pass the shape rule anyway). */
const RESERVED_PREFIXES = ['firebase_', 'ga_', 'google_'] as const;

const NAME_SHAPE = /^[A-Za-z][A-Za-z0-9_]{0,39}$/u;

/**
 * The config schema's pattern for an `eventNames` override: GA4's shape, not a reserved prefix, not a
 * reserved event name (so a wrong override is refused when it is saved, not silently on every event).
 */
export const GA4_EVENT_NAME_PATTERN = `^(?!(?:${RESERVED_PREFIXES.join('|')}))(?!(?:${[
  ...GA4_RESERVED_EVENT_NAMES,
].join('|')})$)[A-Za-z][A-Za-z0-9_]{0,39}$`;

/** Whether `name` is a valid GA4 parameter name (shape and prefixes). */
export function isGa4ParamName(name: string): boolean {
  return NAME_SHAPE.test(name) && !RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** Whether `name` is a valid GA4 event name (shape, prefixes, reserved names). */
export function isGa4EventName(name: string): boolean {
  return isGa4ParamName(name) && !GA4_RESERVED_EVENT_NAMES.has(name);
}

/**
 * A shop's custom event name as GA4 takes it: a valid name as it is (the browser tag sends it so); else
 * every run of other characters becomes `_`, accents are dropped, leading digits and underscores go, cut to
 * 40 characters. `Newsletter Signup!` → `Newsletter_Signup`.
 * Undefined when nothing valid remains or the result is reserved.
 */
export function ga4CustomEventName(raw: string): string | undefined {
  const trimmed = raw.trim();
  if (isGa4EventName(trimmed)) return trimmed;
  const name = trimmed
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9_]+/gu, '_')
    .replace(/^[^A-Za-z]+/u, '')
    .slice(0, 40)
    .replace(/_+$/u, '');
  return isGa4EventName(name) ? name : undefined;
}
