import { maskSecret, type Sealer } from '../../lib/crypto.js';
import { newId } from '../../lib/ids.js';
import type { DB } from '../db.js';
import type { DestinationRow } from '../schema.js';

function splitConfig(
  secretFields: readonly string[],
  config: Record<string, unknown>,
): { publicPart: Record<string, unknown>; secretPart: Record<string, unknown> } {
  const secrets = new Set(secretFields);
  const publicPart: Record<string, unknown> = {};
  const secretPart: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (secrets.has(key)) secretPart[key] = value;
    else publicPart[key] = value;
  }
  return { publicPart, secretPart };
}

/**
 * Creates or replaces a domain's destination of one type, from a configuration its destination has already
 * validated (management/destinations/set.ts validates, then calls this). The fields named in `secretFields`
 * are sealed; the rest is stored readable. A new configuration clears `needs_attention`: a held queue drains
 * once the user has fixed the credentials.
 */
export async function saveDestination(
  db: DB,
  sealer: Sealer,
  input: {
    orgId: string;
    domainId: string;
    type: string;
    config: Record<string, unknown>;
    secretFields: readonly string[];
    now: number;
  },
): Promise<DestinationRow> {
  const { config } = input;
  const { publicPart, secretPart } = splitConfig(input.secretFields, config);
  const enabled = config.enabled === false ? 0 : 1;
  const existing = await db
    .selectFrom('destinations')
    .selectAll()
    .where('domain_id', '=', input.domainId)
    .where('org_id', '=', input.orgId)
    .where('type', '=', input.type)
    .executeTakeFirst();
  const id = existing?.id ?? newId('dst', input.now);
  const row: DestinationRow = {
    id,
    org_id: input.orgId,
    domain_id: input.domainId,
    type: input.type,
    enabled,
    config_public: JSON.stringify(publicPart),
    credentials_sealed: sealer.seal(secretPart, id),
    status: 'active',
    last_error: null,
    config_version: (existing?.config_version ?? 0) + 1,
    created_at: existing?.created_at ?? input.now,
    updated_at: input.now,
  };
  if (existing) {
    await db.updateTable('destinations').set(row).where('id', '=', id).execute();
  } else {
    await db.insertInto('destinations').values(row).execute();
  }
  return row;
}

/** The full configuration (public fields and opened secrets), for the worker only. */
export function openDestinationConfig(sealer: Sealer, row: DestinationRow): Record<string, unknown> {
  return {
    ...JSON.parse(row.config_public),
    ...sealer.open<Record<string, unknown>>(row.credentials_sealed, row.id),
  };
}

/** The configuration as users may see it: secrets as masked previews. */
export function maskedDestinationConfig(sealer: Sealer, row: DestinationRow): Record<string, unknown> {
  const secrets = sealer.open<Record<string, unknown>>(row.credentials_sealed, row.id);
  const masked: Record<string, unknown> = { ...JSON.parse(row.config_public) };
  for (const [key, value] of Object.entries(secrets)) masked[key] = maskSecret(String(value));
  return masked;
}

export async function listDomainDestinations(
  db: DB,
  orgId: string,
  domainId: string,
): Promise<DestinationRow[]> {
  return db
    .selectFrom('destinations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('domain_id', '=', domainId)
    .orderBy('type')
    .execute();
}

/** A domain's enabled destinations (any type string; the caller keeps the types it knows), by type. */
export async function listEnabledDestinations(
  db: DB,
  domainId: string,
): Promise<{ id: string; type: string }[]> {
  return db
    .selectFrom('destinations')
    .select(['id', 'type'])
    .where('domain_id', '=', domainId)
    .where('enabled', '=', 1)
    .orderBy('type')
    .execute();
}

export async function getDestinationRow(db: DB, destinationId: string): Promise<DestinationRow | undefined> {
  return db.selectFrom('destinations').selectAll().where('id', '=', destinationId).executeTakeFirst();
}

export async function markDestinationStatus(
  db: DB,
  destinationId: string,
  status: 'active' | 'needs_attention' | 'paused',
  lastError: string | null,
  now: number,
): Promise<void> {
  await db
    .updateTable('destinations')
    .set({ status, last_error: lastError, updated_at: now })
    .where('id', '=', destinationId)
    .execute();
}

/**
 * The platform refused the destination's credentials (a delivery, or a test event): hold its queue
 * (`needs_attention`) with the platform's message. Only while the configuration is still the one that was
 * sent (`configVersion`): credentials changed during the send are not held for the old ones' failure. Only an
 * active destination: a paused one stays paused, a held one keeps its first message. True if it was marked.
 */
export async function markCredentialsRejected(
  db: DB,
  destination: Pick<DestinationRow, 'id' | 'config_version'>,
  message: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('destinations')
    .set({ status: 'needs_attention', last_error: message, updated_at: now })
    .where('id', '=', destination.id)
    .where('config_version', '=', destination.config_version)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
