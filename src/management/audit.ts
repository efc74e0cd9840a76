/** The audit log: every management write (and API reads of event data) — who, what, when, from where. */
import { newId } from '../lib/ids.js';
import type { DB } from '../storage/db.js';
import { insertAuditEntry } from '../storage/repos/audit-log.js';

/** `operator`: someone with shell access running the CLI (actor id `cli`). */
export type ActorType = 'user' | 'api_key' | 'sync' | 'operator';

export interface AuditEntry {
  orgId: string | null;
  actorType: ActorType;
  actorId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
  ip?: string | null;
  at: number;
}

export async function audit(db: DB, entry: AuditEntry): Promise<void> {
  await insertAuditEntry(db, {
    id: newId('aud', entry.at),
    orgId: entry.orgId,
    actorType: entry.actorType,
    actorId: entry.actorId,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    details: entry.details ?? null,
    ip: entry.ip ?? null,
    at: entry.at,
  });
}

export { type Actor, auditBy, CLI_ACTOR } from '../storage/repos/audit-log.js';
