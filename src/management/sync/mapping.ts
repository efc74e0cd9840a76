/**
 * Pixel Manager's destination settings → our destination configs. Each destination declares where the
 * plugin keeps its fields (`pixelManager` in its index.ts: `pixel_id`, `capi.token`, …); this file applies
 * those declarations. Empty strings count as absent (PHP sends '' for unset options). Fields we do not use
 * are ignored; unknown destination types are kept whole.
 */
import { DESTINATION_TYPES, getDestination } from '../../destinations/registry.js';
import { secretFields } from '../../destinations/shared/config.js';
import type { DestinationType, EventName } from '../../destinations/types.js';
import type { SyncedDestination } from '../../storage/repos/domain-admin.js';

/** The plugin's type names (and ours) → our destination types, as each destination declares them. */
export const SYNC_TYPE_ALIASES: Record<string, DestinationType> = Object.fromEntries(
  DESTINATION_TYPES.flatMap((type) =>
    (getDestination(type).pixelManager?.syncTypes ?? []).map((name) => [name, type]),
  ),
);

/** Event-name override keys: ours, and the plugin's GA4-style names. */
const EVENT_KEYS: Record<string, EventName> = {
  pagevisit: 'PageVisit',
  page_visit: 'PageVisit',
  page_view: 'PageVisit',
  pageview: 'PageVisit',
  viewcontent: 'ViewContent',
  view_content: 'ViewContent',
  view_item: 'ViewContent',
  search: 'Search',
  addtocart: 'AddToCart',
  add_to_cart: 'AddToCart',
  addtowishlist: 'AddToWishlist',
  add_to_wishlist: 'AddToWishlist',
  purchase: 'Purchase',
  lead: 'Lead',
  generate_lead: 'Lead',
  signup: 'SignUp',
  sign_up: 'SignUp',
  complete_registration: 'SignUp',
  custom: 'Custom',
};

function at(entry: Record<string, unknown>, path: string): unknown {
  let value: unknown = entry;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function text(entry: Record<string, unknown>, sources: readonly string[]): string | undefined {
  for (const source of sources) {
    const value = at(entry, source);
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return undefined;
}

/** PHP and form values: true/false, 1/0, "1"/"0", "yes"/"no", "on"/"off". */
export function flag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  }
  return undefined;
}

function enabledOf(entry: Record<string, unknown>): boolean {
  for (const key of ['enabled', 'is_active', 'active']) {
    const value = flag(entry[key]);
    if (value !== undefined) return value;
  }
  return true;
}

function eventNamesOf(entry: Record<string, unknown>): Record<string, string> | undefined {
  for (const key of ['event_names', 'eventNames', 'event_name_overrides']) {
    const value = entry[key];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const out: Record<string, string> = {};
    for (const [name, override] of Object.entries(value)) {
      if (typeof override !== 'string' || override.trim() === '') continue;
      // Unknown keys pass through unchanged, so the config schema names them in its error.
      out[EVENT_KEYS[name.toLowerCase()] ?? name] = override.trim();
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return undefined;
}

/** Our config for a supported type, before validation (the adapter's parseConfig validates it). */
export function mapSupportedEntry(
  type: DestinationType,
  entry: Record<string, unknown>,
): Record<string, unknown> {
  const names = getDestination(type).pixelManager;
  const config: Record<string, unknown> = {};
  for (const [field, paths] of Object.entries(names?.syncFields ?? {})) {
    const value = text(entry, paths);
    if (value !== undefined) config[field] = value;
  }
  const testSwitch = names?.syncTestSwitch;
  if (testSwitch !== undefined) {
    const explicit = flag(entry.test_mode ?? entry.testMode);
    // A test event code means "test mode" to the plugin; these platforms only have a switch.
    const viaCode = text(entry, testSwitch.codePaths) !== undefined;
    if (explicit === true || (explicit === undefined && viaCode)) config[testSwitch.target] = true;
  }
  config.enabled = enabledOf(entry);
  const eventNames = eventNamesOf(entry);
  if (eventNames) config.eventNames = eventNames;
  return config;
}

/** One synced entry, as the sync route reports it. */
export type MappedEntry =
  | { sentType: string; valid: true; destination: SyncedDestination; enabled: boolean }
  | { sentType: string; valid: false; type: DestinationType; errors: string[]; enabled: boolean };

export function mapSyncEntry(entry: Record<string, unknown> & { type: string }): MappedEntry {
  const sentType = entry.type;
  const lower = sentType.trim().toLowerCase();
  const type = SYNC_TYPE_ALIASES[lower];
  const enabled = enabledOf(entry);
  if (!type) {
    const { type: _omit, ...raw } = entry;
    return {
      sentType,
      valid: true,
      enabled,
      destination: { kind: 'unsupported', type: lower, raw, enabled },
    };
  }
  const adapter = getDestination(type);
  const parsed = adapter.parseConfig(mapSupportedEntry(type, entry));
  if (!parsed.ok) return { sentType, valid: false, type, errors: parsed.errors, enabled };
  const config = parsed.config as Record<string, unknown>;
  const secrets = secretFields(adapter.configSchema);
  return {
    sentType,
    valid: true,
    enabled,
    destination: { kind: 'supported', type, config, secretFields: secrets },
  };
}
