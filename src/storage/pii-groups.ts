/**
 * One sealed value per ingest group (migration 0016; docs/architecture.md "The outbox on disk", step 4).
 * A group commit seals the personal data of the events it stores once, as a JSON array with one entry per
 * event (its slot): `[event pk, sealed payload]`. One AES-256-GCM cipher per group instead of one per event
 * is most of what sealing cost the ingest (~7x cheaper per event), and the per-value overhead (version, key
 * id, IV, tag: 33 bytes) is paid once.
 *
 * The entry names its event: the group's value is sealed with a fixed associated data (its row id is
 * only known once inserted), so what binds an entry to its row is the pk inside it, checked on opening.
 *
 * Lifecycle: an event's `pii_slot` goes to null when its data is erased (every delivery final, expired, or
 * a person's erasure); `pending` counts the live slots and the row is deleted with the last one. A person's
 * erasure also blanks the entries in the sealed value (re-sealed without them) while others still wait;
 * an erasure after delivery leaves them, unreachable, until the group goes (docs/privacy.md).
 *
 * This module is the format (pure: the writer thread loads it); the statements are in repos/pii-groups.ts.
 */
import type { SealedValue, Sealer } from '../lib/crypto.js';

/** The associated data of every group's value (the entries carry their event's pk). */
export const GROUP_AAD = 'pii_groups';

/** An entry as sealed: the event's pk and its payload, or null once erased. */
export type GroupEntry = [pk: string, payload: unknown] | null;

/** Seals a group's entries, each already JSON (`[pk, payload]`), in slot order. */
export function sealGroup(sealer: Sealer, entries: readonly string[]): Buffer {
  return sealer.sealBinaryJson(`[${entries.join(',')}]`, GROUP_AAD);
}

export function openGroup(sealer: Sealer, sealed: SealedValue): GroupEntry[] {
  const entries = sealer.open<unknown>(sealed, GROUP_AAD);
  if (!Array.isArray(entries)) throw new Error('Malformed sealed group');
  return entries as GroupEntry[];
}

/** The payload of the event `pk` at `slot`; null when the entry was erased. Throws when it is not `pk`'s. */
export function entryPayload(entries: readonly GroupEntry[], slot: number, pk: string): unknown {
  const entry = entries[slot];
  if (entry === undefined) throw new Error(`sealed group has no slot ${slot}`);
  if (entry === null) return null;
  if (entry[0] !== pk) throw new Error('sealed group entry belongs to another event');
  return entry[1];
}
