/** The shop's resync callback (one per domain): the URL and the token Tagbridge presents, sealed. */
import type { Sealer } from '../../lib/crypto.js';
import type { DB } from '../db.js';
import type { DomainCallbacksTable } from '../schema.js';

export type DomainCallback = DomainCallbacksTable;

export async function upsertDomainCallback(
  db: DB,
  sealer: Sealer,
  input: { domainId: string; orgId: string; url: string; token: string; now: number },
): Promise<void> {
  // Bound to the domain id, so a sealed token copied onto another domain's row does not open.
  const tokenSealed = sealer.seal(input.token, input.domainId);
  await db
    .insertInto('domain_callbacks')
    .values({
      domain_id: input.domainId,
      org_id: input.orgId,
      url: input.url,
      token_sealed: tokenSealed,
      created_at: input.now,
      updated_at: input.now,
    })
    .onConflict((oc) =>
      oc
        .column('domain_id')
        .doUpdateSet({ url: input.url, token_sealed: tokenSealed, updated_at: input.now }),
    )
    .execute();
}

export async function getDomainCallback(
  db: DB,
  orgId: string,
  domainId: string,
): Promise<DomainCallback | undefined> {
  return db
    .selectFrom('domain_callbacks')
    .selectAll()
    .where('domain_id', '=', domainId)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

export function openCallbackToken(sealer: Sealer, callback: DomainCallback): string {
  return sealer.open<string>(callback.token_sealed, callback.domain_id);
}
