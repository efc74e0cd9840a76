import type { FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.js';

/**
 * Login CSRF: a page on another site could post its own magic-link token and sign the victim's browser into
 * the attacker's account. Browsers state the Origin of form posts, so one that names another site is
 * refused; requests without Origin or Referer (curl, server-side clients) carry no ambient credentials.
 */
export function assertNotCrossSite(request: FastifyRequest, publicBaseUrl: string): void {
  const allowed = new URL(publicBaseUrl).origin;
  const origin = request.headers.origin;
  let stated: string | null = null;
  if (typeof origin === 'string') stated = origin;
  else if (typeof request.headers.referer === 'string') {
    try {
      stated = new URL(request.headers.referer).origin;
    } catch {
      stated = 'null';
    }
  }
  if (stated !== null && stated !== allowed) {
    throw new ApiError('forbidden', 'Cross-site request refused: Origin does not match the dashboard', {
      origin: stated,
    });
  }
}
