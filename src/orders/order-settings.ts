/**
 * A domain's order settings: which order statuses count as paid, per shop platform (`GET/PUT
 * /v1/domains/:id/order-settings`). A status the platform does not have is refused: a typo would
 * silently stop every Purchase.
 */
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import { type Actor, auditBy } from '../storage/repos/audit-log.js';
import { updateDomainSettings } from '../storage/repos/domains.js';
import { requireLiveDomain } from './live-domain.js';
import { DEFAULT_PAID_STATUSES, KNOWN_STATUSES, paidStatusesOf } from './paid-statuses.js';
import { SHOP_PLATFORMS, type ShopPlatform } from './shop-order.js';

export interface OrderSettings {
  paidStatuses: Record<ShopPlatform, string[]>;
  /** Whether each platform uses the defaults. */
  defaults: Record<ShopPlatform, boolean>;
}

function view(column: string | null): OrderSettings {
  const paidStatuses = paidStatusesOf(column);
  return {
    paidStatuses: { woocommerce: [...paidStatuses.woocommerce], shopify: [...paidStatuses.shopify] },
    defaults: {
      woocommerce: paidStatuses.woocommerce === DEFAULT_PAID_STATUSES.woocommerce,
      shopify: paidStatuses.shopify === DEFAULT_PAID_STATUSES.shopify,
    },
  };
}

export async function getOrderSettings(
  deps: Pick<AppDeps, 'storage'>,
  input: { orgId: string; domainId: string },
): Promise<OrderSettings> {
  return view((await requireLiveDomain(deps.storage.db, input.orgId, input.domainId)).order_paid_statuses);
}

/** Sets the paid statuses of the platforms given (`null` for a platform: back to its defaults). */
export async function setOrderSettings(
  deps: Pick<AppDeps, 'storage' | 'clock'>,
  actor: Actor,
  input: { orgId: string; domainId: string; paidStatuses: Partial<Record<ShopPlatform, string[] | null>> },
): Promise<OrderSettings> {
  const domain = await requireLiveDomain(deps.storage.db, input.orgId, input.domainId);
  const current = domain.order_paid_statuses
    ? (JSON.parse(domain.order_paid_statuses) as Record<string, string[]>)
    : {};
  for (const platform of SHOP_PLATFORMS) {
    const given = input.paidStatuses[platform];
    if (given === undefined) continue;
    if (given === null) {
      delete current[platform];
      continue;
    }
    const unknown = given.filter((s) => !KNOWN_STATUSES[platform].includes(s));
    if (given.length === 0 || unknown.length > 0) {
      const reason =
        given.length === 0
          ? 'must name at least one status'
          : `unknown ${platform} status ${unknown.join(', ')}; known: ${KNOWN_STATUSES[platform].join(', ')}`;
      throw new ApiError('validation_failed', `paidStatuses.${platform} ${reason}`, {
        field: `paidStatuses.${platform}`,
        reason,
      });
    }
    current[platform] = [...new Set(given)];
  }
  const column = Object.keys(current).length === 0 ? null : JSON.stringify(current);
  const now = deps.clock.now();
  await deps.storage.db.transaction().execute(async (trx) => {
    await updateDomainSettings(trx, input.orgId, domain.id, { orderPaidStatuses: column }, now);
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'domain.order_settings',
      targetType: 'domain',
      targetId: domain.id,
      details: { paidStatuses: current },
      at: now,
    });
  });
  return view(column);
}
