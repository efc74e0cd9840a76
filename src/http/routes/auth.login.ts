import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { sha256Hex } from '../../lib/crypto.js';
import { sendLoginLink } from '../../management/auth/magic-link.js';
import { safeRedirectPath } from '../../management/auth/redirect.js';
import { normalizeEmail } from '../../storage/repos/users.js';
import { assertNotCrossSite } from '../auth/origin.js';
import { linkSentPage, sendHtml, signInErrorPage } from '../auth/pages.js';
import { addFormBodyParser } from '../form-body.js';
import { enforceRateLimit } from '../rate-limit.js';
import type { App } from '../types.js';

const HOUR_MS = 3600_000;

export const LoginBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254, description: 'Where the magic link is sent' }),
    redirect: Type.Optional(
      Type.String({
        maxLength: 2048,
        description: 'A path on the dashboard (starting with a single /) to land on after signing in',
      }),
    ),
  },
  { additionalProperties: false },
);

export const LoginResponse = Type.Object({
  sent: Type.Literal(true),
  message: Type.String(),
});

/**
 * Registered in its own plugin scope: only here and on the callback does Fastify accept form bodies (the
 * sign-in page's form, answered with HTML pages); every other route stays JSON-only.
 */
export async function registerAuthLogin(app: App, deps: AppDeps): Promise<void> {
  await app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    addFormBodyParser(scope);
    scope.post(
      '/v1/auth/login',
      {
        // A form post's invalid address gets an HTML page; JSON callers get the usual validation error.
        attachValidation: true,
        schema: {
          description:
            'Mail a magic sign-in link. The answer is the same whether or not the address has an account ' +
            '(a new address gets one on first sign-in). Limited per address and per IP per hour. The sign-in ' +
            'page (GET /sign-in) posts it as a form and gets HTML pages back.',
          body: LoginBody,
          response: { 202: LoginResponse },
        },
      },
      async (request, reply) => {
        const fromForm = (request.headers['content-type'] ?? '').startsWith(
          'application/x-www-form-urlencoded',
        );
        try {
          if (request.validationError) throw request.validationError;
          const message = await requestLoginLink(deps, request, reply, request.body);
          if (fromForm) return sendHtml(reply, 202, linkSentPage(message));
          return reply.status(202).send({ sent: true as const, message });
        } catch (error) {
          if (!fromForm) throw error;
          if (error instanceof ApiError)
            return sendHtml(reply, error.statusCode, signInErrorPage(error.message));
          if (request.validationError) {
            return sendHtml(reply, 400, signInErrorPage('Enter a valid email address.'));
          }
          throw error;
        }
      },
    );
  });
}

/** Checks the request, applies the per-IP and per-address limits and sends the link; the answer's message. */
async function requestLoginLink(
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  body: Static<typeof LoginBody>,
): Promise<string> {
  assertNotCrossSite(request, deps.config.management.publicBaseUrl);
  const email = normalizeEmail(body.email);
  let redirect: string | null = null;
  if (body.redirect !== undefined) {
    redirect = safeRedirectPath(body.redirect, deps.config.management.publicBaseUrl);
    if (redirect === null) {
      throw new ApiError(
        'validation_failed',
        'redirect must be a path on this site starting with a single /',
        {
          field: 'redirect',
        },
      );
    }
  }
  const { loginPerIpPerHour, loginPerEmailPerHour } = deps.config.management;
  const byIp = await deps.rateLimiter.hit(`login:ip:${request.ip}`, loginPerIpPerHour, HOUR_MS);
  if (!byIp.allowed) enforceRateLimit(reply, byIp, 'Too many sign-in requests from this IP');
  // The limiter key holds a digest, not the address: Redis is no place for personal data.
  const byEmail = await deps.rateLimiter.hit(
    `login:email:${sha256Hex(email)}`,
    loginPerEmailPerHour,
    HOUR_MS,
  );
  // The headers describe the tighter of the two limits; only the address limit can refuse here, and
  // when it does it is the tighter one (remaining 0).
  enforceRateLimit(
    reply,
    byEmail.remaining <= byIp.remaining ? byEmail : byIp,
    'Too many sign-in requests for this address',
  );
  await sendLoginLink(deps, { email, redirect });
  return 'If this address can sign in, a link is on its way. It works once and expires soon.';
}
