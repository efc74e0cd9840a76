/**
 * Adding a proxy domain to an org: `POST /v1/domains` (starts `pending_dns`, routed once its DNS is
 * verified) and `tagbridge domain add` (an operator vouches for the DNS: `active` at once). Same host rules,
 * same uniqueness, same tokens, same audit entry.
 */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { findDomainIdByHost } from '../../storage/repos/domain-admin.js';
import {
  type CreatedDomain,
  createDomain as insertDomain,
  isValidHost,
  normalizeHost,
} from '../../storage/repos/domains.js';
import { getOrg } from '../../storage/repos/orgs.js';
import { type Actor, auditBy } from '../audit.js';

export interface CreateDomainInput {
  orgId: string;
  host: string;
  shopUrl?: string | undefined;
  defaultCountry?: string | undefined;
  status: 'active' | 'pending_dns';
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function hostTaken(host: string): ApiError {
  // Whose domain it is stays unsaid: the host may belong to another organization.
  return new ApiError('validation_failed', `host ${host} is already configured`, {
    field: 'host',
    reason: 'host is already configured',
  });
}

function validShopUrl(raw: string | undefined): string | null {
  const shopUrl = raw?.trim() || undefined;
  if (shopUrl === undefined) return null;
  let valid = /^https?:\/\/[^/]+/i.test(shopUrl);
  try {
    new URL(shopUrl);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new ApiError('validation_failed', 'shopUrl must be an http(s) URL', {
      field: 'shopUrl',
      reason: 'must be an http(s) URL',
    });
  }
  return shopUrl;
}

export async function createDomain(
  deps: Pick<AppDeps, 'storage' | 'sealer' | 'clock'> & Partial<Pick<AppDeps, 'caches'>>,
  actor: Actor,
  input: CreateDomainInput,
): Promise<CreatedDomain> {
  const host = normalizeHost(input.host);
  if (!isValidHost(host)) {
    throw new ApiError('validation_failed', `host ${host} is not a valid host name`, {
      field: 'host',
      reason: 'not a valid host name',
    });
  }
  const shopUrl = validShopUrl(input.shopUrl);
  const country = input.defaultCountry;
  if (country !== undefined && !/^[A-Za-z]{2}$/.test(country)) {
    throw new ApiError('validation_failed', 'defaultCountry must be ISO alpha-2', {
      field: 'defaultCountry',
      reason: 'must be ISO alpha-2',
    });
  }
  const now = deps.clock.now();
  let created: CreatedDomain;
  try {
    created = await deps.storage.db.transaction().execute(async (trx) => {
      if (!(await getOrg(trx, input.orgId))) {
        throw new ApiError('not_found', `No org ${input.orgId}`, { id: input.orgId });
      }
      if (await findDomainIdByHost(trx, host)) throw hostTaken(host);
      const made = await insertDomain(trx, deps.sealer, {
        orgId: input.orgId,
        host,
        shopUrl,
        ...(country ? { defaultCountry: country } : {}),
        status: input.status,
        now,
      });
      await auditBy(trx, actor, {
        orgId: input.orgId,
        action: 'domain.create',
        targetType: 'domain',
        targetId: made.domain.id,
        details: { host, shopUrl, defaultCountry: made.domain.default_country },
        at: now,
      });
      return made;
    });
  } catch (error) {
    // Two requests adding the same host at once: the unique index decides.
    if (isUniqueViolation(error)) throw hostTaken(host);
    throw error;
  }
  // Every node may hold the new host as unknown: announce it.
  await deps.caches?.orgChanged(input.orgId);
  return created;
}
