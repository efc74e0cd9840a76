/**
 * Changing a domain's settings: `PATCH /v1/domains/:id` and `tagbridge domain set`. Only what a shop owner
 * decides per domain: the country that parses national phone numbers, and what happens to events that carry
 * no consent signal (forward them, or hold them back).
 */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { CONSENT_DEFAULTS, type ConsentDefault } from '../../ingest/consent.js';
import { getDomain, updateDomainSettings } from '../../storage/repos/domains.js';
import type { Domain } from '../../storage/schema.js';
import { type Actor, auditBy } from '../audit.js';

export interface UpdateDomainInput {
  orgId: string;
  domainId: string;
  defaultCountry?: string | undefined;
  consentDefault?: string | undefined;
}

export async function updateDomain(
  deps: Pick<AppDeps, 'storage' | 'clock'> & Partial<Pick<AppDeps, 'caches'>>,
  actor: Actor,
  input: UpdateDomainInput,
): Promise<Domain> {
  const { defaultCountry, consentDefault } = input;
  if (defaultCountry !== undefined && !/^[A-Za-z]{2}$/.test(defaultCountry)) {
    throw new ApiError('validation_failed', 'defaultCountry must be ISO alpha-2', {
      field: 'defaultCountry',
      reason: 'must be ISO alpha-2',
    });
  }
  if (consentDefault !== undefined && !(CONSENT_DEFAULTS as readonly string[]).includes(consentDefault)) {
    throw new ApiError('validation_failed', `consentDefault must be one of ${CONSENT_DEFAULTS.join(', ')}`, {
      field: 'consentDefault',
      reason: `must be one of ${CONSENT_DEFAULTS.join(', ')}`,
    });
  }
  const now = deps.clock.now();
  const updated = await deps.storage.db.transaction().execute(async (trx) => {
    const before = await getDomain(trx, input.orgId, input.domainId);
    if (!before || before.status === 'deleted') {
      throw new ApiError('not_found', `No domain ${input.domainId}`, { id: input.domainId });
    }
    const settings = {
      ...(defaultCountry ? { defaultCountry } : {}),
      ...(consentDefault ? { consentDefault: consentDefault as ConsentDefault } : {}),
    };
    await updateDomainSettings(trx, input.orgId, input.domainId, settings, now);
    const after = (await getDomain(trx, input.orgId, input.domainId))!;
    await auditBy(trx, actor, {
      orgId: input.orgId,
      action: 'domain.update',
      targetType: 'domain',
      targetId: input.domainId,
      details: {
        ...(defaultCountry
          ? { defaultCountry: { from: before.default_country, to: after.default_country } }
          : {}),
        ...(consentDefault
          ? { consentDefault: { from: before.consent_default, to: after.consent_default } }
          : {}),
      },
      at: now,
    });
    return after;
  });
  // Ingest reads the consent default from every node's cached domain context.
  await deps.caches?.orgChanged(input.orgId);
  return updated;
}
