import { randomHexToken, type Sealer, sha256Hex } from '../../lib/crypto.js';
import { newId } from '../../lib/ids.js';
import type { DB } from '../db.js';
import type { Domain } from '../schema.js';

/** Country-code TLDs whose ISO code differs from the TLD. */
const TLD_COUNTRY_EXCEPTIONS: Record<string, string> = { uk: 'GB', eu: 'US' };
const GENERIC_TLDS = new Set([
  'com',
  'net',
  'org',
  'shop',
  'store',
  'io',
  'co',
  'app',
  'online',
  'biz',
  'info',
]);

/** The default country for a shop: its URL's country-code TLD (`.de` → DE, `.co.uk` → GB), else US. */
export function countryFromShopUrl(shopUrl: string | undefined | null): string {
  if (!shopUrl) return 'US';
  let host: string;
  try {
    host = new URL(shopUrl).hostname.toLowerCase();
  } catch {
    return 'US';
  }
  const tld = host.split('.').pop() ?? '';
  if (!/^[a-z]{2,}$/.test(tld) || GENERIC_TLDS.has(tld)) return 'US';
  if (TLD_COUNTRY_EXCEPTIONS[tld]) return TLD_COUNTRY_EXCEPTIONS[tld];
  return tld.length === 2 ? tld.toUpperCase() : 'US';
}

export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '').replace(/:\d+$/, '');
}

const HOST_PATTERN =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function isValidHost(host: string): boolean {
  return HOST_PATTERN.test(host);
}

export interface CreatedDomain {
  domain: Domain;
  /** The X-SSP-Token (64 lowercase hex). */
  proxyToken: string;
  /** The sync token (64 lowercase hex): shown once, stored hashed. */
  syncToken: string;
}

export async function createDomain(
  db: DB,
  sealer: Sealer,
  input: {
    orgId: string;
    host: string;
    shopUrl?: string | null;
    defaultCountry?: string;
    /** Events without a consent signal: forwarded (default) or held back. */
    consentDefault?: 'forward' | 'deny';
    /** The operator CLI creates `active` domains; the management API starts them `pending_dns`. */
    status?: 'active' | 'pending_dns';
    now: number;
  },
): Promise<CreatedDomain> {
  const proxyToken = randomHexToken(32);
  const syncToken = randomHexToken(32);
  const id = newId('dom', input.now);
  const domain: Domain = {
    id,
    org_id: input.orgId,
    host: normalizeHost(input.host),
    shop_url: input.shopUrl ?? null,
    default_country: (input.defaultCountry ?? countryFromShopUrl(input.shopUrl)).toUpperCase(),
    status: input.status ?? 'active',
    proxy_token_sealed: sealer.seal(proxyToken, id),
    proxy_token_hash: sha256Hex(proxyToken),
    sync_token_hash: sha256Hex(syncToken),
    created_at: input.now,
    updated_at: input.now,
    config_status: 'waiting_config',
    last_synced_at: null,
    verified_at: null,
    verification_token: randomHexToken(16),
    deleted_at: null,
    deleted_host: null,
    consent_default: input.consentDefault ?? 'forward',
    order_paid_statuses: null,
    order_coverage: null,
    order_coverage_at: null,
  };
  await db.insertInto('domains').values(domain).execute();
  return { domain, proxyToken, syncToken };
}

/** Changes a domain's settings (those given); false when the org has no such live domain. */
export async function updateDomainSettings(
  db: DB,
  orgId: string,
  domainId: string,
  settings: {
    defaultCountry?: string;
    consentDefault?: 'forward' | 'deny';
    orderPaidStatuses?: string | null;
  },
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('domains')
    .set({
      ...(settings.defaultCountry ? { default_country: settings.defaultCountry.toUpperCase() } : {}),
      ...(settings.consentDefault ? { consent_default: settings.consentDefault } : {}),
      ...(settings.orderPaidStatuses !== undefined
        ? { order_paid_statuses: settings.orderPaidStatuses }
        : {}),
      updated_at: now,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', domainId)
    .where('status', '!=', 'deleted')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function getDomain(db: DB, orgId: string, domainId: string): Promise<Domain | undefined> {
  return db
    .selectFrom('domains')
    .selectAll()
    .where('id', '=', domainId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

/** Operator lookup (CLI) across orgs. */
export async function getDomainById(db: DB, domainId: string): Promise<Domain | undefined> {
  return db.selectFrom('domains').selectAll().where('id', '=', domainId).executeTakeFirst();
}

export async function findDomainByHost(db: DB, host: string): Promise<Domain | undefined> {
  return db.selectFrom('domains').selectAll().where('host', '=', normalizeHost(host)).executeTakeFirst();
}

export function openProxyToken(sealer: Sealer, domain: Domain): string {
  return sealer.open<string>(domain.proxy_token_sealed, domain.id);
}
