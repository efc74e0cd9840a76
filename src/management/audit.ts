/** The audit log: every management write (and API reads of event data) — who, what, when, from where. */
import { newId } from '../lib/ids.js';
import type { DB } from '../storage/db.js';

export interface AuditEntry {
  orgId: string | null;
  actorType: 'user' | 'api_key' | 'sync' | 'operator';
  actorId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
  ip?: string | null;
  at: number;
}

export async function audit(db: DB, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: newId('aud', entry.at),
      org_id: entry.orgId,
      actor_type: entry.actorType,
      actor_id: entry.actorId,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
      ip: entry.ip ?? null,
      at: entry.at,
    })
    .execute();
}
