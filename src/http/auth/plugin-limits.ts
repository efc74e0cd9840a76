/**
 * Limits of the public plugin sign-in paths (register-from-plugin, connect without a token, the poll): per
 * IP and per address, so nobody can flood an owner's mailbox with confirmation mails or guess handles.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app-deps.js';
import { sha256Hex } from '../../lib/crypto.js';
import { normalizeEmail } from '../../storage/repos/users.js';
import { enforceRateLimit } from '../rate-limit.js';

const HOUR_MS = 3600_000;

export async function enforceRegisterLimits(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  email: string,
): Promise<void> {
  const { registerPerIpPerHour, registerPerEmailPerHour } = deps.config.pluginAuth;
  const byIp = await deps.rateLimiter.hit(`plugin-register:ip:${request.ip}`, registerPerIpPerHour, HOUR_MS);
  if (!byIp.allowed) enforceRateLimit(reply, byIp, 'Too many registrations from this IP');
  // A digest, not the address, goes to the limiter (Redis is no place for personal data).
  const byEmail = await deps.rateLimiter.hit(
    `plugin-register:email:${sha256Hex(normalizeEmail(email))}`,
    registerPerEmailPerHour,
    HOUR_MS,
  );
  enforceRateLimit(
    reply,
    byEmail.remaining <= byIp.remaining ? byEmail : byIp,
    'Too many registrations for this address',
  );
}

/** Polls without a token: 12 a minute per IP (the documented interval is 5 s). */
export async function enforcePollLimit(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const decision = await deps.rateLimiter.hit(`plugin-poll:ip:${request.ip}`, 30, 60_000);
  enforceRateLimit(reply, decision, 'Poll at most every 5 seconds');
}
