/**
 * Session authentication for the management API: the `sc_session` cookie names a server-side session
 * (stored hashed), which expires after inactivity and absolutely. State-changing requests must come from
 * the dashboard's own origin (SameSite=Lax plus an Origin check: the CSRF defence). Each session may make
 * MANAGEMENT_RATE_LIMIT_PER_MINUTE requests per minute.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { sha256Hex } from '../../lib/crypto.js';
import { roleAtLeast } from '../../management/orgs/member-rules.js';
import { getMembership } from '../../storage/repos/memberships.js';
import { findSessionByTokenHash, touchSession } from '../../storage/repos/sessions.js';
import type { Role } from '../../storage/schema.js';
import { enforceRateLimit } from '../rate-limit.js';

export const SESSION_COOKIE = 'sc_session';

export interface SessionAuth {
  sessionId: string;
  userId: string;
  email: string;
  /** The session's current org (null: the user belongs to none yet). */
  orgId: string | null;
  /** The user's role in the current org. */
  role: Role | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    session: SessionAuth | null;
  }
}

/**
 * last_seen_at is written at most this often per session, so reads stay reads — but never less often than a
 * tenth of the idle timeout: with a fixed minute and SESSION_IDLE_TIMEOUT_MS at its minimum (60 s), a user
 * active every few seconds was never touched and was logged out after 60 s. A tenth keeps at least 90 % of
 * the idle timeout after any request.
 */
export function touchIntervalMs(sessionIdleMs: number): number {
  return Math.min(60_000, Math.floor(sessionIdleMs / 10));
}

function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

/** Origin of the request as the browser states it (Origin, else Referer). */
function requestOrigin(request: FastifyRequest): string | null {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin;
  const referer = request.headers.referer;
  if (typeof referer === 'string') {
    try {
      return new URL(referer).origin;
    } catch {
      return null;
    }
  }
  return null;
}

export async function loadSession(deps: AppDeps, request: FastifyRequest): Promise<SessionAuth | null> {
  const token = request.cookies?.[SESSION_COOKIE];
  if (!token) return null;
  const now = deps.clock.now();
  const { db } = deps.storage;
  const session = await findSessionByTokenHash(db, sha256Hex(token));
  if (!session || session.revoked_at !== null) return null;
  if (session.expires_at <= now || session.last_seen_at + deps.config.management.sessionIdleMs <= now)
    return null;
  if (now - session.last_seen_at >= touchIntervalMs(deps.config.management.sessionIdleMs)) {
    await touchSession(db, session.id, now);
  }
  const role = session.current_org_id
    ? ((await getMembership(db, session.current_org_id, session.user_id))?.role ?? null)
    : null;
  return {
    sessionId: session.id,
    userId: session.user_id,
    email: session.email,
    // A membership that was removed takes the org away from the session too.
    orgId: role ? session.current_org_id : null,
    role,
  };
}

/**
 * preHandler for every session-authenticated route: 401 without a live session, 403 when the
 * request is state-changing and comes from another origin, 429 past the per-session limit.
 */
export function requireSession(deps: AppDeps): preHandlerAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const session = await loadSession(deps, request);
    if (!session) throw new ApiError('unauthenticated', 'Sign in first: no valid session');
    if (!isSafeMethod(request.method)) {
      const origin = requestOrigin(request);
      const allowed = new URL(deps.config.management.publicBaseUrl).origin;
      if (origin !== allowed) {
        throw new ApiError('forbidden', 'Cross-site request refused: Origin does not match the dashboard', {
          origin,
        });
      }
    }
    const limit = deps.config.management.requestsPerSessionPerMinute;
    const decision = await deps.rateLimiter.hit(`session:${session.sessionId}`, limit, 60_000);
    enforceRateLimit(reply, decision, 'Too many requests');
    request.session = session;
  };
}

/** preHandler (after requireSession): the current org and at least `minimum` role in it. */
export function requireRole(minimum: Role): preHandlerAsyncHookHandler {
  return async (request: FastifyRequest) => {
    const session = request.session;
    if (!session) throw new ApiError('unauthenticated', 'Sign in first: no valid session');
    if (!session.orgId) throw new ApiError('forbidden', 'No current organization: create or switch to one');
    if (!roleAtLeast(session.role, minimum)) {
      throw new ApiError('forbidden', `This needs the ${minimum} role or higher (you are ${session.role})`, {
        required_role: minimum,
      });
    }
  };
}

/** The signed-in user's session on a route behind requireSession (there is none otherwise: 401). */
export function signedInSession(request: FastifyRequest): SessionAuth {
  const session = request.session;
  if (!session) throw new ApiError('unauthenticated', 'Sign in first: no valid session');
  return session;
}

/** The session with its current org, on a route behind requireRole (otherwise: 401 or 403). */
export function orgSession(request: FastifyRequest): SessionAuth & { orgId: string; role: Role } {
  const session = signedInSession(request);
  if (!session.orgId || !session.role)
    throw new ApiError('forbidden', 'No current organization: create or switch to one');
  return { ...session, orgId: session.orgId, role: session.role };
}
