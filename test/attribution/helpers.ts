/** What the attribution tests share: a pixel activity over sensible defaults, and the service as its deps. */

import type { PixelActivity, RecordDeps } from '../../src/attribution/record.js';
import { systemClock } from '../../src/lib/clock.js';
import type { Tenant, TestService } from '../harness.js';

export const DAY = 24 * 3600_000;

export function deps(service: TestService): RecordDeps {
  return { storage: service.storage, sealer: service.sealer, config: service.config, clock: systemClock };
}

/** A page view of `visitorId` on the tenant's shop at `now`; override what a test is about. */
export function activity(
  tenant: Tenant,
  visitorId: string | null,
  now: number,
  extra: Partial<PixelActivity> = {},
): PixelActivity {
  return {
    orgId: tenant.org.id,
    domainId: tenant.domain.id,
    visitorId,
    now,
    page: { url: 'https://shop.example.com/', referrer: null },
    clickIds: {},
    utm: {},
    identity: null,
    purchases: [],
    ...extra,
  };
}

/** Every row of the three attribution tables of a domain, as one JSON text (to search for cleartext). */
export async function attributionRows(service: TestService, domainId: string): Promise<string> {
  const { db } = service.storage;
  const visitors = await db.selectFrom('visitors').selectAll().where('domain_id', '=', domainId).execute();
  const touchpoints = await db
    .selectFrom('touchpoints')
    .selectAll()
    .where('domain_id', '=', domainId)
    .execute();
  const conversions = await db
    .selectFrom('conversions')
    .selectAll()
    .where('domain_id', '=', domainId)
    .execute();
  return JSON.stringify({ visitors, touchpoints, conversions });
}
