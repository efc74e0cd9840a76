/**
 * Validate and save a domain's destination of one type: the destination validates the configuration and
 * names its secret fields; storage seals those and writes the row. The step under the `setDestination` use
 * case (route and CLI, which add the domain lock, tenant check and audit), and what `dev` and the test
 * harness call to seed a destination.
 */
import { getDestination } from '../../destinations/registry.js';
import { secretFields } from '../../destinations/shared/config.js';
import type { DestinationType } from '../../destinations/types.js';
import type { Sealer } from '../../lib/crypto.js';
import type { DB } from '../../storage/db.js';
import { saveDestination } from '../../storage/repos/destinations.js';
import type { DestinationRow } from '../../storage/schema.js';

export type ValidateAndSaveResult =
  | { ok: true; destination: DestinationRow }
  | { ok: false; errors: string[] };

/** Creates or replaces the destination; an invalid configuration is returned as errors, nothing is written. */
export async function validateAndSaveDestination(
  db: DB,
  sealer: Sealer,
  input: { orgId: string; domainId: string; type: DestinationType; config: unknown; now: number },
): Promise<ValidateAndSaveResult> {
  const adapter = getDestination(input.type);
  const parsed = adapter.parseConfig(input.config);
  if (!parsed.ok) return parsed;
  const destination = await saveDestination(db, sealer, {
    orgId: input.orgId,
    domainId: input.domainId,
    type: input.type,
    config: parsed.config as Record<string, unknown>,
    secretFields: secretFields(adapter.configSchema),
    now: input.now,
  });
  return { ok: true, destination };
}
