/**
 * How every surface states a limit: `X-RateLimit-Limit/Remaining/Reset` on the response, and past the limit
 * 429 `rate_limited` with `Retry-After` (seconds) and `details.retry_after`.
 */
import type { FastifyReply } from 'fastify';
import { ApiError } from '../errors.js';
import type { RateLimitDecision } from '../lib/rate-limiter.js';

export function rateLimitHeaders(limit: number, remaining: number, resetAt: number): Record<string, string> {
  return {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(resetAt),
  };
}

/** Sets the headers from `decision`; throws `rate_limited` ("<reason>; retry after Ns") when it refuses. */
export function enforceRateLimit(reply: FastifyReply, decision: RateLimitDecision, reason: string): void {
  reply.headers(rateLimitHeaders(decision.limit, decision.remaining, decision.resetAt));
  if (!decision.allowed) {
    throw new ApiError(
      'rate_limited',
      `${reason}; retry after ${decision.retryAfter}s`,
      { retry_after: decision.retryAfter },
      { 'retry-after': String(decision.retryAfter) },
    );
  }
}
