/** Custom event definitions: the custom event names an org accepts through the public API. */
import type { Selectable } from 'kysely';
import { newId } from '../../lib/ids.js';
import type { DB } from '../db.js';
import type { CustomEventDefinitionsTable } from '../schema.js';

type Row = Selectable<CustomEventDefinitionsTable>;

export interface CustomEventDefinition {
  id: string;
  name: string;
  description: string | null;
  isActive: boolean;
  createdAt: number;
  updatedAt: number;
}

function view(row: Row): CustomEventDefinition {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    isActive: row.is_active === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function listCustomEvents(db: DB, orgId: string): Promise<CustomEventDefinition[]> {
  const rows = await db
    .selectFrom('custom_event_definitions')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('name')
    .execute();
  return rows.map(view);
}

/** The names an API event may use: defined and active. */
export async function activeCustomEventNames(db: DB, orgId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('custom_event_definitions')
    .select('name')
    .where('org_id', '=', orgId)
    .where('is_active', '=', 1)
    .execute();
  return new Set(rows.map((r) => r.name));
}

export async function getCustomEvent(
  db: DB,
  orgId: string,
  id: string,
): Promise<CustomEventDefinition | undefined> {
  const row = await db
    .selectFrom('custom_event_definitions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? view(row) : undefined;
}

/** Creates a definition; undefined when the org already has one with this name. */
export async function createCustomEvent(
  db: DB,
  input: { orgId: string; name: string; description: string | null; isActive: boolean; now: number },
): Promise<CustomEventDefinition | undefined> {
  const row: Row = {
    id: newId('cev', input.now),
    org_id: input.orgId,
    name: input.name,
    description: input.description,
    is_active: input.isActive ? 1 : 0,
    created_at: input.now,
    updated_at: input.now,
  };
  const inserted = await db
    .insertInto('custom_event_definitions')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'name']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted ? view(row) : undefined;
}

export async function updateCustomEvent(
  db: DB,
  orgId: string,
  id: string,
  patch: { isActive?: boolean; description?: string | null },
  now: number,
): Promise<CustomEventDefinition | undefined> {
  const values: { is_active?: number; description?: string | null; updated_at: number } = { updated_at: now };
  if (patch.isActive !== undefined) values.is_active = patch.isActive ? 1 : 0;
  if (patch.description !== undefined) values.description = patch.description;
  await db
    .updateTable('custom_event_definitions')
    .set(values)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
  return getCustomEvent(db, orgId, id);
}

export async function deleteCustomEvent(db: DB, orgId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('custom_event_definitions')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
