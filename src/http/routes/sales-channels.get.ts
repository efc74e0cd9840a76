import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { WELCOME_PATH } from '../../management/auth/magic-link.js';
import { getChannel, type StoreChannelView } from '../../stores/channels.js';
import { escapeHtml, page, SIGN_IN_PATH, sendHtml } from '../auth/pages.js';
import { loadSession } from '../auth/session.js';
import type { App } from '../types.js';

const Query = Type.Object({
  oauth: Type.Optional(Type.String({ maxLength: 20 })),
  message: Type.Optional(Type.String({ maxLength: 2000 })),
});

const PLATFORM: Record<string, string> = { woocommerce: 'WooCommerce', shopify: 'Shopify' };

/** The outcome line: what the redirect says happened, in the shop owner's words. */
function outcome(oauth: string | undefined, message: string | undefined): { title: string; html: string } {
  if (oauth === 'success') {
    return {
      title: 'Store connected',
      html: '<p>Your store is connected. Tagbridge is reading its catalogue now; products appear as the sync goes.</p>',
    };
  }
  if (oauth === 'error') {
    const why = (message ?? 'The store did not finish the authorization.').slice(0, 300);
    return {
      title: 'The store was not connected',
      html: `<p>${escapeHtml(why)}</p><p>Nothing was stored. Start the connection again from Tagbridge; if it keeps failing, check that the app is installed on the right store.</p>`,
    };
  }
  return { title: 'Connected store', html: '' };
}

function channelHtml(channel: StoreChannelView): string {
  const sync = channel.sync;
  const progress =
    sync.state === 'running' || sync.state === 'queued'
      ? `syncing: ${sync.done}${sync.total === null ? '' : ` of ${sync.total}`} products`
      : sync.lastSyncAt === null
        ? 'not synced yet'
        : `last sync ${new Date(sync.lastSyncAt).toISOString()}${sync.lastResult ? ` (${sync.lastResult})` : ''}`;
  return `<ul>
<li>Platform: <strong>${escapeHtml(PLATFORM[channel.platform] ?? channel.platform)}</strong></li>
<li>Store: <code>${escapeHtml(channel.storeUrl)}</code></li>
<li>Status: ${escapeHtml(channel.status)}</li>
<li>Catalogue: ${escapeHtml(progress)}</li>
${sync.lastError ? `<li>Last error: ${escapeHtml(sync.lastError)}</li>` : ''}
</ul>`;
}

/**
 * Where Shopify's OAuth callback lands (seed 004: `/sales-channels/:channelId?oauth=success`, or
 * `?oauth=error&message=…`) until the dashboard has its own page: the outcome in plain words, and, for a
 * signed-in member of the channel's org, the store and its sync. Nothing about a channel is shown to anyone
 * else (another org's id reads the same as an unknown one).
 */
export function registerSalesChannelsGet(app: App, deps: AppDeps): void {
  const handler = async (
    channelId: string | undefined,
    query: { oauth?: string | undefined; message?: string | undefined },
    request: Parameters<typeof loadSession>[1],
  ): Promise<string> => {
    const { title, html } = outcome(query.oauth, query.message);
    const session = await loadSession(deps, request);
    let details = '';
    if (session && channelId && session.orgId) {
      const limit = deps.config.management.requestsPerSessionPerMinute;
      const hit = await deps.rateLimiter.hit(`session:${session.sessionId}`, limit, 60_000);
      if (hit.allowed) {
        const channel = await getChannel(deps, session.orgId, channelId).catch(() => null);
        if (channel) details = channelHtml(channel);
      }
    }
    const next = session
      ? `<p><a href="${WELCOME_PATH}">Back to Tagbridge</a></p>`
      : `<p><a href="${SIGN_IN_PATH}">Sign in</a> to see the store and its catalogue sync.</p>`;
    return page(title, `${html}${details}${next}`);
  };
  app.get('/sales-channels', { schema: { hide: true, querystring: Query } }, async (request, reply) =>
    sendHtml(reply, 200, await handler(undefined, request.query, request)),
  );
  app.get(
    '/sales-channels/:channelId',
    {
      schema: {
        hide: true,
        description: 'HTML: where Shopify OAuth lands; the outcome, and the store for a member of its org.',
        params: Type.Object({ channelId: Type.String({ minLength: 1, maxLength: 100 }) }),
        querystring: Query,
      },
    },
    async (request, reply) =>
      sendHtml(reply, 200, await handler(request.params.channelId, request.query, request)),
  );
}
