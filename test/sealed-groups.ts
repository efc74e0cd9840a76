/**
 * Reading an event's sealed personal data in tests: since migration 0016 it sits in its ingest group's
 * sealed value (src/storage/pii-groups.ts), which the event points at while its slot is live.
 */
import {
  type EventSealRef,
  openEventPayload as openEventRowPayload,
  type SealedPayload,
} from '../src/ingest/sealed-payload.js';
import type { Sealer } from '../src/lib/crypto.js';
import type { DB } from '../src/storage/db.js';
import { openGroup } from '../src/storage/pii-groups.js';

/** The sealed value holding the event's personal data: its group's while its slot is live, else null. */
export async function sealedValueOf(
  db: DB,
  event: { pii_group: number | string | null; pii_slot: number | null },
): Promise<Buffer | null> {
  if (event.pii_slot === null || event.pii_group === null) return null;
  const group = await db
    .selectFrom('pii_groups')
    .select('sealed')
    .where('id', '=', Number(event.pii_group))
    .executeTakeFirst();
  return group?.sealed ?? null;
}

/** The event's personal data, opened from its group (or its own seal, on rows stored before 0016). */
export async function openEventPayload(
  db: DB,
  sealer: Sealer,
  event: EventSealRef,
): Promise<SealedPayload | null> {
  const sealed = await sealedValueOf(db, event);
  return openEventRowPayload(sealer, event, () => (sealed ? openGroup(sealer, sealed) : undefined));
}
