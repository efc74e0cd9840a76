import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { type DashboardManifest, dashboardBuild } from '../../dashboard/build.js';
import { ApiError } from '../../errors.js';
import { WELCOME_PATH } from '../../management/auth/magic-link.js';
import { escapeHtml, SIGN_IN_PATH } from '../auth/pages.js';
import { loadSession } from '../auth/session.js';
import { acceptsBrotli, acceptsGzip, ifNoneMatchHits } from '../conditional.js';
import { enforceRateLimit } from '../rate-limit.js';
import type { App } from '../types.js';

/** Hashed names never change content: cached for a year, never revalidated. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
export const DASHBOARD_ASSETS_PATH = `${WELCOME_PATH}/assets/`;

/**
 * The shell names the current build's files; a browser revalidates it on every load (no-cache) so a new
 * release is picked up at once, while the hashed files it names stay cached.
 */
function shell(manifest: DashboardManifest): string {
  const asset = (name: string) => escapeHtml(`${DASHBOARD_ASSETS_PATH}${name}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Tagbridge</title>
<link rel="stylesheet" href="${asset(manifest.css)}">
<script type="module" src="${asset(manifest.js)}"></script>
</head>
<body>
<div id="app"><main class="boot"><p>Loading the dashboard…</p></main></div>
<noscript><p>The dashboard needs JavaScript. The management API works without it: see <a href="/docs">the API reference</a>.</p></noscript>
</body>
</html>
`;
}

/**
 * The dashboard (issue 13): the HTML shell at /app and every /app/… path (the browser app routes on the
 * path), and its hashed assets at /app/assets/. Same origin as the management API, so the session cookie and
 * the CSRF Origin check apply to its requests unchanged. Without a session the shell sends the browser to
 * sign in, as the welcome page did.
 */
export function registerDashboardGet(app: App, deps: AppDeps): void {
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const session = await loadSession(deps, request);
    if (!session) return reply.header('cache-control', 'no-store').redirect(SIGN_IN_PATH, 303);
    const limit = deps.config.management.requestsPerSessionPerMinute;
    enforceRateLimit(
      reply,
      await deps.rateLimiter.hit(`session:${session.sessionId}`, limit, 60_000),
      'Too many requests',
    );
    const { manifest } = await dashboardBuild();
    return reply
      .status(200)
      .headers({
        'content-type': 'text/html; charset=utf-8',
        // Revalidated on every load (the shell is per release, the session check per request).
        'cache-control': 'no-cache, private',
        'referrer-policy': 'same-origin',
        'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff',
        // Only this origin: no CDN, no inline script; styles set through the CSSOM (Preact, uPlot) are allowed.
        'content-security-policy':
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
          "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      })
      .send(shell(manifest));
  };
  const description =
    'HTML: the dashboard (docs/dashboard.md), where a sign-in lands; without a session, a redirect (303) to the sign-in page.';
  app.get(WELCOME_PATH, { schema: { hide: true, description } }, page);
  app.get(`${WELCOME_PATH}/*`, { schema: { hide: true, description } }, page);

  app.get(
    `${DASHBOARD_ASSETS_PATH}:name`,
    {
      schema: {
        hide: true,
        description: 'A file of the dashboard build, by its content-hashed name (immutable).',
        params: Type.Object({ name: Type.String({ maxLength: 200 }) }),
      },
    },
    async (request, reply) => {
      const { assets } = await dashboardBuild();
      const asset = assets.get(request.params.name);
      if (!asset) throw new ApiError('not_found', `No dashboard file ${request.params.name}`);
      const accept = request.headers['accept-encoding'];
      const coding = acceptsBrotli(accept) ? 'br' : acceptsGzip(accept) ? 'gzip' : null;
      // Each representation has its own strong tag.
      const etag = coding ? `${asset.etag.slice(0, -1)}-${coding}"` : asset.etag;
      reply.headers({
        'content-type': asset.contentType,
        'cache-control': IMMUTABLE,
        etag,
        vary: 'Accept-Encoding',
        'x-content-type-options': 'nosniff',
      });
      if (ifNoneMatchHits(request.headers['if-none-match'], etag)) return reply.status(304).send();
      if (coding) reply.header('content-encoding', coding);
      return reply.send(coding === 'br' ? asset.br : coding === 'gzip' ? asset.gzip : asset.bytes);
    },
  );
}
