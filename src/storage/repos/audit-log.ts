import { newId } from '../../lib/ids.js';
import type { DB } from '../db.js';

export interface AuditLogEntry {
  id: string;
  at: number;
  actorType: string;
  actorId: string | null;
  /** The acting user's address when the actor is a user. */
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown> | null;
  ip: string | null;
}

/** Position in the newest-first order: entries strictly older than (at, id). */
export interface AuditCursor {
  at: number;
  id: string;
}

export async function listAuditLog(
  db: DB,
  orgId: string,
  options: { limit: number; before?: AuditCursor | undefined },
): Promise<AuditLogEntry[]> {
  let query = db
    .selectFrom('audit_log')
    .leftJoin('users', (join) =>
      join.onRef('users.id', '=', 'audit_log.actor_id').on('audit_log.actor_type', '=', 'user'),
    )
    .select([
      'audit_log.id',
      'audit_log.at',
      'audit_log.actor_type',
      'audit_log.actor_id',
      'users.email',
      'audit_log.action',
      'audit_log.target_type',
      'audit_log.target_id',
      'audit_log.details',
      'audit_log.ip',
    ])
    .where('audit_log.org_id', '=', orgId);
  const before = options.before;
  if (before) {
    query = query.where((eb) =>
      eb.or([
        eb('audit_log.at', '<', before.at),
        eb.and([eb('audit_log.at', '=', before.at), eb('audit_log.id', '<', before.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('audit_log.at', 'desc')
    .orderBy('audit_log.id', 'desc')
    .limit(options.limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actorType: r.actor_type,
    actorId: r.actor_id,
    actorEmail: r.email ?? null,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
    ip: r.ip,
  }));
}

export interface AuditInsert {
  id: string;
  orgId: string | null;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown> | null;
  ip: string | null;
  at: number;
}

export async function insertAuditEntry(db: DB, entry: AuditInsert): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: entry.id,
      org_id: entry.orgId,
      actor_type: entry.actorType,
      actor_id: entry.actorId,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId,
      details: entry.details ? JSON.stringify(entry.details) : null,
      ip: entry.ip,
      at: entry.at,
    })
    .execute();
}

/** Who does a management action: the signed-in user (HTTP) or the operator (CLI). */
export interface Actor {
  type: 'user' | 'operator';
  /** The user's id; `cli` for the operator. */
  id: string;
  ip: string | null;
}

export const CLI_ACTOR: Actor = { type: 'operator', id: 'cli', ip: null };

/** Audits `action` by `actor`; pass the write's transaction as `db` so both commit together. */
export async function auditBy(
  db: DB,
  actor: Actor,
  entry: {
    orgId: string;
    action: string;
    targetType: string;
    targetId: string;
    details?: Record<string, unknown>;
    at: number;
  },
): Promise<void> {
  await insertAuditEntry(db, {
    id: newId('aud', entry.at),
    orgId: entry.orgId,
    actorType: actor.type,
    actorId: actor.id,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    details: entry.details ?? null,
    ip: actor.ip,
    at: entry.at,
  });
}

/** How many entries a window holds and when the oldest was written (null when none). */
export interface AuditWindowCount {
  count: number;
  oldestAt: number | null;
}

/** `action` entries in one org's log since `since` (served by the index on (org_id, at)). */
export async function countOrgActionsSince(
  db: DB,
  input: { orgId: string; action: string; since: number },
): Promise<AuditWindowCount> {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min<number | null>('at').as('oldest')])
    .where('org_id', '=', input.orgId)
    .where('action', '=', input.action)
    .where('at', '>=', input.since)
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), oldestAt: row.oldest === null ? null : Number(row.oldest) };
}

/**
 * `action` entries a user wrote since `since`, across the orgs they belong to (each org's log is read through
 * its (org_id, at) index; a user is in a handful of orgs).
 */
export async function countUserActionsSince(
  db: DB,
  input: { userId: string; action: string; since: number },
): Promise<AuditWindowCount> {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min<number | null>('at').as('oldest')])
    .where('org_id', 'in', (eb) =>
      eb.selectFrom('memberships').select('org_id').where('user_id', '=', input.userId),
    )
    .where('actor_type', '=', 'user')
    .where('actor_id', '=', input.userId)
    .where('action', '=', input.action)
    .where('at', '>=', input.since)
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), oldestAt: row.oldest === null ? null : Number(row.oldest) };
}
