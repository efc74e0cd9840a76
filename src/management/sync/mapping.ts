/**
 * Pixel Manager's destination settings → our destination configs. The plugin's wire format is not public
 * (reference/clients.md §1.5), so each field is looked up under the names the plugin is known to use for
 * its options (`pixel_id`, `capi.token`, …), their camelCase twins and our own names. Empty strings count
 * as absent (PHP sends '' for unset options). Fields we do not use are ignored; unknown destination types
 * are kept whole.
 */
import { getDestination } from '../../destinations/registry.js';
import { secretFields } from '../../destinations/shared/config.js';
import type { DestinationType, EventName } from '../../destinations/types.js';
import type { SyncedDestination } from '../../storage/repos/domain-admin.js';

/**
 * The destinations the plugin configures. GA4 and Microsoft are not among them: the plugin's settings for
 * them (if it has server-side ones) are not known, so such entries are kept as unsupported.
 */
type SyncedType = Exclude<DestinationType, 'ga4' | 'microsoft'>;

/** The plugin's type names (and ours) → our destination types. */
export const SYNC_TYPE_ALIASES: Record<string, SyncedType> = {
  facebook: 'meta',
  meta: 'meta',
  tiktok: 'tiktok',
  pinterest: 'pinterest',
  snapchat: 'snapchat',
  reddit: 'reddit',
};

interface FieldSpec {
  /** Where the platform's id goes in our config, and where to find it in the entry. */
  id: { target: string; sources: string[] };
  /** The plugin nests a platform's server-side settings under this key (facebook.capi.token, …). */
  nest: string;
  /** How the platform's test mode is configured. */
  test: { kind: 'code'; target: string; sources: string[] } | { kind: 'flag'; target: string };
}

const TEST_CODE_SOURCES = (nest: string): string[] => [
  'test_event_code',
  'testEventCode',
  `${nest}.test_event_code`,
];

const FIELDS: Record<SyncedType, FieldSpec> = {
  meta: {
    id: { target: 'pixelId', sources: ['pixel_id', 'pixelId', 'dataset_id', 'capi.pixel_id'] },
    nest: 'capi',
    test: { kind: 'code', target: 'testEventCode', sources: TEST_CODE_SOURCES('capi') },
  },
  tiktok: {
    id: { target: 'pixelCode', sources: ['pixel_code', 'pixelCode', 'pixel_id', 'pixelId', 'eapi.pixel_id'] },
    nest: 'eapi',
    test: { kind: 'code', target: 'testEventCode', sources: TEST_CODE_SOURCES('eapi') },
  },
  pinterest: {
    // Pinterest's server API is keyed by the ad account; the plugin's pixel_id (the tag id) is not used.
    id: { target: 'adAccountId', sources: ['ad_account_id', 'adAccountId', 'apic.ad_account_id'] },
    nest: 'apic',
    test: { kind: 'flag', target: 'testMode' },
  },
  snapchat: {
    id: { target: 'pixelId', sources: ['pixel_id', 'pixelId', 'capi.pixel_id'] },
    nest: 'capi',
    test: { kind: 'flag', target: 'testMode' },
  },
  reddit: {
    id: {
      target: 'pixelId',
      sources: ['pixel_id', 'pixelId', 'advertiser_id', 'advertiserId', 'capi.pixel_id'],
    },
    nest: 'capi',
    test: { kind: 'code', target: 'testId', sources: ['test_id', 'testId', ...TEST_CODE_SOURCES('capi')] },
  },
};

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

function text(entry: Record<string, unknown>, sources: string[]): string | undefined {
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
export function mapSupportedEntry(type: SyncedType, entry: Record<string, unknown>): Record<string, unknown> {
  const spec = FIELDS[type];
  const config: Record<string, unknown> = {};
  const id = text(entry, spec.id.sources);
  if (id !== undefined) config[spec.id.target] = id;
  const token = text(entry, [
    'access_token',
    'accessToken',
    'token',
    `${spec.nest}.token`,
    `${spec.nest}.access_token`,
  ]);
  if (token !== undefined) config.accessToken = token;
  if (spec.test.kind === 'code') {
    const code = text(entry, spec.test.sources);
    if (code !== undefined) config[spec.test.target] = code;
  } else {
    const explicit = flag(entry.test_mode ?? entry.testMode);
    // A test event code means "test mode" to the plugin; these platforms only have a switch.
    const viaCode = text(entry, TEST_CODE_SOURCES(spec.nest)) !== undefined;
    if (explicit === true || (explicit === undefined && viaCode)) config[spec.test.target] = true;
  }
  if (type === 'meta') {
    const version = text(entry, ['api_version', 'apiVersion']);
    if (version !== undefined) config.apiVersion = version;
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
