import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { answerRegistration, peekRegistration } from '../../plugin-auth/register.js';
import { assertNotCrossSite } from '../auth/origin.js';
import { escapeHtml, page, sendHtml } from '../auth/pages.js';
import { addFormBodyParser } from '../form-body.js';
import type { App } from '../types.js';

const PROBLEMS = {
  unknown: 'This confirmation link is not valid. Check that the whole link was opened.',
  used: 'This request was already answered. Each link works once.',
  expired: 'This request has expired. Ask for a new one from the store’s plugin.',
} as const;

function problemHtml(problem: keyof typeof PROBLEMS): string {
  return page('Link not usable', `<p>${escapeHtml(PROBLEMS[problem])}</p>`);
}

/**
 * The owner's confirmation of a plugin's request for an existing account. The mailed link opens a page
 * (GET, which changes nothing: mail scanners fetch links) whose buttons post the answer. Its own scope:
 * form bodies are accepted here only; answers are HTML pages.
 */
export async function registerApiAuthPluginConfirm(app: App, deps: AppDeps): Promise<void> {
  app.get(
    '/api/auth/plugin-confirm',
    {
      schema: {
        description:
          'The confirmation link mailed to an account’s owner opens this page. It names the store, source, IP ' +
          'and time of the request and answers nothing by itself; its buttons post to this path.',
        querystring: Type.Object({ token: Type.String({ minLength: 1, maxLength: 256 }) }),
      },
    },
    async (request, reply) => {
      const lookup = await peekRegistration(deps, request.query.token);
      if (!lookup.ok) return sendHtml(reply, 401, problemHtml(lookup.problem));
      const row = lookup.row;
      const token = escapeHtml(request.query.token);
      return sendHtml(
        reply,
        200,
        page(
          'Connect this store?',
          `<p>A store asked to connect to the Tagbridge account <strong>${escapeHtml(row.email)}</strong>.</p>
<ul><li>Store: <strong>${escapeHtml(row.store_url)}</strong></li><li>Source: ${escapeHtml(row.source)}</li>
<li>From IP: ${escapeHtml(row.ip ?? 'unknown')}</li><li>At: ${escapeHtml(new Date(Number(row.created_at)).toISOString())}</li></ul>
<p>Connect it only if you started this from the store’s admin yourself.</p>
<form method="post" action="/api/auth/plugin-confirm">
<input type="hidden" name="token" value="${token}"><input type="hidden" name="answer" value="allow">
<button type="submit">Connect this store</button>
</form>
<form method="post" action="/api/auth/plugin-confirm">
<input type="hidden" name="token" value="${token}"><input type="hidden" name="answer" value="deny">
<button type="submit">This was not me</button>
</form>`,
        ),
      );
    },
  );

  await app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    addFormBodyParser(scope);
    scope.post(
      '/api/auth/plugin-confirm',
      {
        schema: {
          description:
            'The confirm page’s answer (form-urlencoded or JSON): allow gives the waiting plugin its token at ' +
            'its next poll; deny ends the request. Once per link.',
          body: Type.Object(
            {
              token: Type.String({ minLength: 1, maxLength: 256 }),
              answer: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        assertNotCrossSite(request, deps.config.management.publicBaseUrl);
        const allow = request.body.answer === 'allow';
        const result = await answerRegistration(deps, { token: request.body.token, allow, ip: request.ip });
        if (!result.ok) return sendHtml(reply, 401, problemHtml(result.problem));
        return sendHtml(
          reply,
          200,
          allow
            ? page(
                'Store connected',
                `<p><strong>${escapeHtml(result.row.store_url)}</strong> can now finish connecting. Go back to the store’s admin.</p>`,
              )
            : page('Request refused', '<p>Nothing was connected. No access was given.</p>'),
        );
      },
    );
  });
}
