/**
 * What every session route of the domains, destinations and event-log API shares: the session and role
 * preHandlers, loading one of the current org's domains (anything else is not_found), and the audit entry
 * of a write made by the signed-in user.
 */
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { type Actor, audit } from '../../management/audit.js';
import type { DB } from '../../storage/db.js';
import { getLiveDomain } from '../../storage/repos/domain-admin.js';
import type { Domain, Role } from '../../storage/schema.js';
import { orgSession, requireRole, requireSession } from './session.js';

export function sessionRole(deps: AppDeps, role: Role): preHandlerAsyncHookHandler[] {
  return [requireSession(deps), requireRole(role)];
}

export const DomainParamsSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'The domain id (dom_…).' }),
});

/** One of the session org's live domains; another org's id, a deleted domain or garbage are all not_found. */
export async function loadOrgDomain(deps: AppDeps, orgId: string, domainId: string): Promise<Domain> {
  const domain = await getLiveDomain(deps.storage.db, orgId, domainId);
  if (!domain) throw new ApiError('not_found', `No domain ${domainId}`, { id: domainId });
  return domain;
}

/** The signed-in user as the actor of a management use case (audited with the request's IP). */
export function sessionActor(request: FastifyRequest): Actor {
  return { type: 'user', id: orgSession(request).userId, ip: request.ip };
}

/** Audits a write by the signed-in user; pass the write's transaction as `db` so both commit together. */
export async function auditUserWrite(
  deps: AppDeps,
  request: FastifyRequest,
  entry: { action: string; targetType: string; targetId: string; details?: Record<string, unknown> },
  db: DB = deps.storage.db,
): Promise<void> {
  const session = orgSession(request);
  await audit(db, {
    orgId: session.orgId,
    actorType: 'user',
    actorId: session.userId,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    ...(entry.details ? { details: entry.details } : {}),
    ip: request.ip,
    at: deps.clock.now(),
  });
}
