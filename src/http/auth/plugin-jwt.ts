/**
 * "JWT required" for the plugin surface under /api/ (seed 004): `Authorization: Bearer <jwt>`, checked
 * with its session on every request (plugin-auth/sessions.ts). Failures are seed 004's 401
 * `{statusCode:401, message, error:"Unauthorized"}` (routes sit in sync2sysScope).
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AppDeps } from '../../app-deps.js';
import { authenticatePluginJwt, type PluginAuth } from '../../plugin-auth/sessions.js';
import { enforceRateLimit } from '../rate-limit.js';
import { Sync2SysError } from '../sync2sys-errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    plugin: PluginAuth | null;
  }
}

/** The bearer token of the request, if it carries one. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/** Checks the bearer JWT when there is one; null without one (public routes that accept both). */
export async function optionalPluginAuth(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<PluginAuth | null> {
  const token = bearerToken(request);
  if (token === null) {
    if (request.headers.authorization !== undefined) throw new Sync2SysError(401, 'Invalid token');
    return null;
  }
  const check = await authenticatePluginJwt(deps, token);
  if (!check.ok) throw new Sync2SysError(401, check.reason);
  const limit = deps.config.pluginAuth.requestsPerSessionPerMinute;
  const decision = await deps.rateLimiter.hit(`plugin:${check.auth.sessionId}`, limit, 60_000);
  enforceRateLimit(reply, decision, 'Too many requests');
  request.plugin = check.auth;
  return check.auth;
}

/** preHandler: a valid plugin JWT or 401 in seed 004's shape. */
export function requirePluginJwt(deps: AppDeps): preHandlerAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = await optionalPluginAuth(deps, request, reply);
    if (!auth) throw new Sync2SysError(401, 'Missing Bearer token');
  };
}

/** The plugin's auth on a route behind requirePluginJwt. */
export function pluginAuth(request: FastifyRequest): PluginAuth {
  if (!request.plugin) throw new Sync2SysError(401, 'Missing Bearer token');
  return request.plugin;
}
