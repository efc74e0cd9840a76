/**
 * The statements on `pii_groups` (the format and lifecycle: src/storage/pii-groups.ts): reading a batch's
 * groups, releasing erased slots, blanking a person's entries, sweeping groups past the event retention.
 */
import { sql } from 'kysely';
import type { Sealer } from '../../lib/crypto.js';
import type { DB, Dialect } from '../db.js';
import { GROUP_AAD, openGroup } from '../pii-groups.js';

/** The groups' sealed values by id (ids of live slots: each has its row). */
export async function loadGroups(db: DB, ids: Iterable<number>): Promise<Map<number, Buffer>> {
  const list = [...new Set(ids)];
  const groups = new Map<number, Buffer>();
  for (let i = 0; i < list.length; i += 5000) {
    const rows = await db
      .selectFrom('pii_groups')
      .select(['id', 'sealed'])
      .where('id', 'in', list.slice(i, i + 5000))
      .execute();
    for (const row of rows) groups.set(Number(row.id), row.sealed);
  }
  return groups;
}

/**
 * The slots of these groups were erased (one group id per erased slot, as the erasing UPDATE returns them):
 * their counts go down, and groups with no live slot left are deleted. A few statements for a whole batch.
 */
export async function releaseSlots(db: DB, groupIds: ReadonlyArray<number | string | null>): Promise<void> {
  const released = new Map<number, number>();
  for (const id of groupIds) if (id !== null) released.set(Number(id), (released.get(Number(id)) ?? 0) + 1);
  if (released.size === 0) return;
  // One statement for all of them, ids ascending: two workers releasing slots of the same groups lock
  // those rows in the same order (an UPDATE per group, or per count, could take them crosswise: deadlock).
  const ids = [...released.keys()].sort((a, b) => a - b);
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    const cases = sql.join(
      chunk.map((id) => sql`when ${id} then ${released.get(id)!}`),
      sql` `,
    );
    await db
      .updateTable('pii_groups')
      .set({ pending: sql`pending - case id ${cases} else 0 end` })
      .where('id', 'in', chunk)
      .execute();
  }
  for (let i = 0; i < ids.length; i += 5000) {
    await db
      .deleteFrom('pii_groups')
      .where('id', 'in', ids.slice(i, i + 5000))
      .where('pending', '<=', 0)
      .execute();
  }
}

/**
 * A person's erasure: the entries at these slots are blanked in their groups' sealed values (re-sealed
 * without them), so nothing of that person waits on disk for the rest of the group. Call before
 * releaseSlots, in the same transaction. PostgreSQL locks each group row first: two erasures of one group
 * at once must not write back each other's entries.
 */
export async function blankSlots(
  db: DB,
  dialect: Dialect,
  sealer: Sealer,
  slots: ReadonlyArray<{ group: number; slot: number }>,
): Promise<void> {
  const byGroup = new Map<number, number[]>();
  for (const { group, slot } of slots) {
    const list = byGroup.get(group);
    if (list) list.push(slot);
    else byGroup.set(group, [slot]);
  }
  // Ids ascending, as releaseSlots locks them.
  for (const [id, erased] of [...byGroup].sort((a, b) => a[0] - b[0])) {
    let query = db.selectFrom('pii_groups').select('sealed').where('id', '=', id);
    if (dialect === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    if (!row) continue;
    const entries = openGroup(sealer, row.sealed);
    for (const slot of erased) if (slot < entries.length) entries[slot] = null;
    await db
      .updateTable('pii_groups')
      .set({ sealed: sealer.sealBinary(entries, GROUP_AAD) })
      .where('id', '=', id)
      .execute();
  }
}

/**
 * Groups older than `before`: their events were deleted by retention before their slots were released
 * (a queue window shorter than the retention period leaves none). Returns how many were deleted.
 */
export async function deleteGroupsBefore(db: DB, before: number): Promise<number> {
  const result = await db.deleteFrom('pii_groups').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
