import type { FastifyInstance } from 'fastify';

/**
 * `application/x-www-form-urlencoded` for the plugin scope it is called in (the confirm page's form posts
 * it). Registered per scope, never globally: the proxy surface stays JSON-only.
 */
export function addFormBodyParser(
  scope: Pick<FastifyInstance, 'addContentTypeParser'>,
  bodyLimit = 8192,
): void {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit },
    (_request, body, done) => {
      const params = new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'));
      const parsed: Record<string, string> = {};
      for (const [key, value] of params) parsed[key] = value;
      done(null, parsed);
    },
  );
}
