/**
 * What the management API shows of a domain and its destinations, with the TypeBox schemas of those shapes
 * (shared by the route files, so the OpenAPI document describes one shape each). Secrets appear only as
 * masked previews; the proxy token in clear only when the caller passes it in (admins); the sync token never.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { DESTINATION_TYPES, getDestination, isDestinationType } from '../../destinations/registry.js';
import { maskSecret, type Sealer } from '../../lib/crypto.js';
import { maskedDestinationConfig } from '../../storage/repos/destinations.js';
import type { DestinationStats } from '../../storage/repos/domain-admin.js';
import type { DomainCallback } from '../../storage/repos/domain-callbacks.js';
import type { DestinationRow, Domain } from '../../storage/schema.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = (description: string) => Nullable(Type.String({ format: 'date-time', description }));

export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();
}

export const DomainSummarySchema = Type.Object({
  id: Type.String({ description: 'dom_…' }),
  host: Type.String({ description: 'The proxy host, e.g. ssp.yourshop.com.' }),
  shopUrl: Nullable(Type.String({ description: 'The shop URL (its origin is allowed by CORS).' })),
  defaultCountry: Type.String({ description: 'ISO alpha-2; parses national phone numbers.' }),
  consentDefault: Type.Union([Type.Literal('forward'), Type.Literal('deny')], {
    description: 'Events without a consent signal: forwarded as granted, or held back from ad platforms.',
  }),
  status: Type.Union([Type.Literal('active'), Type.Literal('pending_dns'), Type.Literal('disabled')], {
    description: 'Routing: pending_dns until the DNS check passes.',
  }),
  configStatus: Type.Union(
    [Type.Literal('synced'), Type.Literal('waiting_config'), Type.Literal('sync_error')],
    {
      description: 'State of the destination configuration pushed by the shop plugin.',
    },
  ),
  verifiedAt: Time('When the DNS check last passed.'),
  lastSyncedAt: Time('When the shop plugin last pushed its configuration.'),
  createdAt: Type.String({ format: 'date-time' }),
});
export type DomainSummary = Static<typeof DomainSummarySchema>;

export const DomainDetailSchema = Type.Object({
  ...DomainSummarySchema.properties,
  proxyToken: Nullable(
    Type.String({ description: 'The X-SSP-Token in clear: admins and owners only, null for other roles.' }),
  ),
  proxyTokenPreview: Type.String({ description: 'Masked X-SSP-Token.' }),
  dns: Type.Object(
    {
      cname: Type.Object({ name: Type.String(), value: Type.String() }),
      txt: Type.Object({ name: Type.String(), value: Type.String() }),
    },
    { description: 'Either record verifies the domain: a CNAME to the public hostname, or this TXT record.' },
  ),
  callback: Nullable(
    Type.Object(
      {
        url: Type.String(),
        registeredAt: Type.String({ format: 'date-time' }),
        updatedAt: Type.String({ format: 'date-time' }),
      },
      { description: 'The shop’s resync callback (its token is never shown).' },
    ),
  ),
});
export type DomainDetail = Static<typeof DomainDetailSchema>;

export function domainSummary(domain: Domain): DomainSummary {
  return {
    id: domain.id,
    host: domain.host,
    shopUrl: domain.shop_url,
    defaultCountry: domain.default_country,
    consentDefault: domain.consent_default as DomainSummary['consentDefault'],
    status: domain.status as DomainSummary['status'],
    configStatus: domain.config_status as DomainSummary['configStatus'],
    verifiedAt: iso(domain.verified_at),
    lastSyncedAt: iso(domain.last_synced_at),
    createdAt: iso(domain.created_at)!,
  };
}

export function domainDetail(
  domain: Domain,
  input: {
    proxyToken: string;
    showProxyToken: boolean;
    publicHostname: string;
    verificationToken: string;
    callback: DomainCallback | undefined;
  },
): DomainDetail {
  return {
    ...domainSummary(domain),
    proxyToken: input.showProxyToken ? input.proxyToken : null,
    proxyTokenPreview: maskSecret(input.proxyToken),
    dns: {
      cname: { name: domain.host, value: input.publicHostname },
      txt: { name: `_tagbridge.${domain.host}`, value: input.verificationToken },
    },
    callback: input.callback
      ? {
          url: input.callback.url,
          registeredAt: iso(input.callback.created_at)!,
          updatedAt: iso(input.callback.updated_at)!,
        }
      : null,
  };
}

export const DestinationViewSchema = Type.Object({
  id: Type.String({ description: 'dst_…' }),
  type: Type.String({
    description: `${DESTINATION_TYPES.join(', ')} — or a type the plugin synced that Tagbridge does not support.`,
  }),
  label: Type.String(),
  enabled: Type.Boolean(),
  status: Type.Union(
    [
      Type.Literal('active'),
      Type.Literal('needs_attention'),
      Type.Literal('paused'),
      Type.Literal('unsupported'),
    ],
    {
      description:
        'paused: disabled by a person; needs_attention: the platform refused the credentials (queue held until the config changes); unsupported: kept but never delivered to.',
    },
  ),
  lastError: Nullable(Type.String()),
  config: Type.Record(Type.String(), Type.Unknown(), {
    description: 'The configuration with secret fields as masked previews (sk-****…7f3a).',
  }),
  configVersion: Type.Integer(),
  updatedAt: Type.String({ format: 'date-time' }),
  lastDeliveryAt: Time('The last successful delivery.'),
  stats: Type.Object(
    {
      windowDays: Type.Integer(),
      total: Type.Integer(),
      pending: Type.Integer(),
      delivered: Type.Integer(),
      failed: Type.Integer(),
      dead: Type.Integer(),
      skipped: Type.Integer(),
      successRate: Nullable(
        Type.Number({
          description: 'delivered / (delivered + failed + dead), 0…1; null with no finished delivery.',
        }),
      ),
    },
    { description: 'Deliveries created in the last windowDays days.' },
  ),
});
export type DestinationView = Static<typeof DestinationViewSchema>;

/** Unsupported types are sealed whole: show their keys, never their values (we do not know what is secret). */
function maskedUnknownConfig(sealer: Sealer, row: DestinationRow): Record<string, unknown> {
  const raw = sealer.open<Record<string, unknown>>(row.credentials_sealed, row.id);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    out[key] = typeof value === 'boolean' ? value : typeof value === 'string' ? maskSecret(value) : '****';
  }
  return out;
}

export const STATS_WINDOW_DAYS = 7;

export function destinationView(
  sealer: Sealer,
  row: DestinationRow,
  stats: DestinationStats | undefined,
): DestinationView {
  const supported = isDestinationType(row.type);
  const counts = stats?.counts ?? { pending: 0, delivered: 0, failed: 0, skipped: 0, dead: 0 };
  const finished = counts.delivered + counts.failed + counts.dead;
  let status: DestinationView['status'];
  if (!supported || row.status === 'unsupported') status = 'unsupported';
  else if (row.enabled !== 1) status = 'paused';
  else status = row.status === 'needs_attention' ? 'needs_attention' : 'active';
  return {
    id: row.id,
    type: row.type,
    label: isDestinationType(row.type) ? getDestination(row.type).label : row.type,
    enabled: row.enabled === 1,
    status,
    lastError: row.last_error,
    config: supported ? maskedDestinationConfig(sealer, row) : maskedUnknownConfig(sealer, row),
    configVersion: row.config_version,
    updatedAt: iso(row.updated_at)!,
    lastDeliveryAt: iso(stats?.lastDeliveredAt),
    stats: {
      windowDays: STATS_WINDOW_DAYS,
      total: counts.pending + finished + counts.skipped,
      ...counts,
      successRate: finished === 0 ? null : Math.round((counts.delivered / finished) * 10_000) / 10_000,
    },
  };
}
