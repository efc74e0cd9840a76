import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { roleAtLeast } from '../../management/orgs/member-rules.js';
import {
  CALLBACK_PATH,
  completeShopifyOauth,
  initShopifyOauth,
  isShopifyConfigured,
  OauthError,
  STATE_COOKIE,
  STATE_TTL_MS,
} from '../../stores/shopify-oauth.js';
import { bearerToken, optionalPluginAuth } from '../auth/plugin-jwt.js';
import { loadSession, requireRole, requireSession } from '../auth/session.js';
import { Sync2SysError } from '../sync2sys-errors.js';
import type { App } from '../types.js';

/** Who starts the flow: a plugin JWT, or a dashboard session (cookie, same-origin, admin role or higher). */
async function initiator(
  app: App,
  deps: AppDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<{ userId: string; orgId: string }> {
  if (bearerToken(request) !== null || request.headers.authorization !== undefined) {
    const auth = await optionalPluginAuth(deps, request, reply);
    if (!auth) throw new Sync2SysError(401, 'Missing Bearer token');
    if (!roleAtLeast(auth.role, 'admin')) {
      throw new Sync2SysError(
        403,
        `Connecting a store needs the admin role or higher (you are ${auth.role})`,
      );
    }
    return { userId: auth.userId, orgId: auth.orgId };
  }
  if (!request.cookies?.sc_session) throw new Sync2SysError(401, 'Missing Bearer token');
  await requireSession(deps).call(app as never, request, reply);
  await requireRole('admin').call(app as never, request, reply);
  const session = request.session;
  if (!session?.orgId) throw new Sync2SysError(403, 'No current organization');
  return { userId: session.userId, orgId: session.orgId };
}

export function registerApiShopifyOauth(app: App, deps: AppDeps): void {
  app.post(
    '/api/shopify/oauth/init',
    {
      schema: {
        description:
          'Starts Shopify OAuth for `mystore` or `mystore.myshopify.com` (Shopify’s host pattern only), with ' +
          'a plugin JWT or a dashboard session (admin role or higher). Answers the consent URL; the state in ' +
          'it is single-use, expires in 10 minutes, and is bound to this user and, by an HttpOnly cookie, to ' +
          'this browser: open authUrl in the browser that made this request.',
        body: Type.Object(
          {
            shopDomain: Type.String({ minLength: 1, maxLength: 255 }),
            channelId: Type.Optional(
              Type.String({ maxLength: 100, description: 'A Shopify channel to reconnect' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ authUrl: Type.String() }) },
      },
    },
    async (request, reply) => {
      const who = await initiator(app, deps, request, reply);
      if (!isShopifyConfigured(deps.config))
        throw new Sync2SysError(503, 'Shopify is not configured on this server');
      let result: Awaited<ReturnType<typeof initShopifyOauth>>;
      try {
        result = await initShopifyOauth(deps, { ...who, ...request.body });
      } catch (error) {
        if (error instanceof OauthError) throw new Sync2SysError(400, error.message);
        throw error;
      }
      reply.setCookie(STATE_COOKIE, result.cookie, {
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.config.management.publicBaseUrl.startsWith('https:'),
        path: CALLBACK_PATH,
        maxAge: Math.floor(STATE_TTL_MS / 1000),
      });
      return reply.header('cache-control', 'no-store').send({ authUrl: result.authUrl });
    },
  );

  app.get(
    CALLBACK_PATH,
    {
      schema: {
        description:
          'Shopify redirects here after consent (code, hmac, host, shop, state, timestamp). The query HMAC is ' +
          'verified first, then the timestamp (90 s), the shop host, and the state (same shop, same browser, ' +
          'unused, unexpired); the code is exchanged for an offline token kept sealed in a Shopify channel. ' +
          'Redirects to /sales-channels/:channelId?oauth=success, or ?oauth=error&message=….',
        querystring: Type.Record(Type.String(), Type.Unknown()),
      },
    },
    async (request, reply) => {
      reply.clearCookie(STATE_COOKIE, { path: CALLBACK_PATH });
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      try {
        const done = await completeShopifyOauth(deps, {
          query: request.query as Record<string, unknown>,
          cookie: request.cookies?.[STATE_COOKIE],
          ip: request.ip,
        });
        return reply.redirect(`/sales-channels/${encodeURIComponent(done.channelId)}?oauth=success`, 302);
      } catch (error) {
        if (!(error instanceof OauthError)) {
          request.log.error({ err: error }, 'shopify oauth callback failed');
        }
        const message = error instanceof OauthError ? error.message : 'The connection could not be completed';
        const base =
          error instanceof OauthError && error.channelId
            ? `/sales-channels/${encodeURIComponent(error.channelId)}`
            : '/sales-channels';
        return reply.redirect(`${base}?oauth=error&message=${encodeURIComponent(message)}`, 302);
      }
    },
  );

  app.get(
    '/api/shopify/oauth/status',
    {
      schema: {
        description:
          'Whether Shopify OAuth is configured (SHOPIFY_API_KEY and SHOPIFY_API_SECRET). Plugin JWT or session.',
        response: { 200: Type.Object({ configured: Type.Boolean() }) },
      },
    },
    async (request, reply) => {
      await initiatorForRead(deps, request, reply);
      return { configured: isShopifyConfigured(deps.config) };
    },
  );
}

async function initiatorForRead(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (await optionalPluginAuth(deps, request, reply)) return;
  if (!(await loadSession(deps, request))) throw new Sync2SysError(401, 'Missing Bearer token');
}
