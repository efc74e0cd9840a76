/**
 * What the shop plugin stores after every sync (reference/clients.md §1.2: `ssp.*` options), in its own
 * snake_case names: routing and config state, the X-SSP-Token it must send, and the plan and usage it shows.
 */
import { type Static, Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { openProxyToken } from '../../storage/repos/domains.js';
import { getOrg } from '../../storage/repos/orgs.js';
import { periodUsage } from '../../storage/repos/usage.js';
import type { Domain } from '../../storage/schema.js';

export const SyncStatusSchema = Type.Object({
  domain_id: Type.String(),
  proxy_hostname: Type.String({ description: 'The proxy host the plugin sends browser events to.' }),
  domain_token: Type.Union([Type.String(), Type.Null()], {
    description: 'The X-SSP-Token (64 hex) for proxy requests; null once the domain is deleted.',
  }),
  routing_status: Type.Union(
    [Type.Literal('active'), Type.Literal('pending_dns'), Type.Literal('disabled'), Type.Literal('deleted')],
    { description: 'The plugin routes through the proxy only while active.' },
  ),
  config_status: Type.Union([
    Type.Literal('synced'),
    Type.Literal('waiting_config'),
    Type.Literal('sync_error'),
  ]),
  last_sync_at: Type.Union([Type.Integer(), Type.Null()], { description: 'Unix seconds of the last sync.' }),
  plan_name: Type.String(),
  subscription_status: Type.String({ description: 'active, past_due, suspended or expired' }),
  monthly_request_limit: Type.Union([Type.Integer(), Type.Null()], { description: 'null: unlimited' }),
  billable_this_period: Type.Integer({ description: 'Requests counted this calendar month (UTC).' }),
  usage_percent: Type.Number({ description: '0…100 (more when over), one decimal; 0 when unlimited.' }),
  quota_exceeded: Type.Boolean(),
});
export type SyncStatus = Static<typeof SyncStatusSchema>;

export async function syncStatus(deps: AppDeps, domain: Domain): Promise<SyncStatus> {
  const { db } = deps.storage;
  const org = await getOrg(db, domain.org_id);
  const plan = org?.plan ?? 'free';
  const limit = deps.quota.limitFor(plan);
  const used = (await periodUsage(db, domain.org_id, deps.clock.now())).requests;
  const deleted = domain.status === 'deleted';
  return {
    domain_id: domain.id,
    proxy_hostname: deleted ? (domain.deleted_host ?? domain.host) : domain.host,
    domain_token: deleted ? null : openProxyToken(deps.sealer, domain),
    routing_status: domain.status as SyncStatus['routing_status'],
    config_status: domain.config_status as SyncStatus['config_status'],
    last_sync_at: domain.last_synced_at === null ? null : Math.floor(domain.last_synced_at / 1000),
    plan_name: plan,
    subscription_status: org?.subscription_status ?? 'expired',
    monthly_request_limit: limit,
    billable_this_period: used,
    usage_percent: limit === null || limit === 0 ? 0 : Math.round((used / limit) * 1000) / 10,
    quota_exceeded: limit !== null && used >= limit,
  };
}
