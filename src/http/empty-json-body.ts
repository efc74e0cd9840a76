/**
 * Seed 004 asks every request to carry `Content-Type: application/json`, including the body-less POSTs
 * (`/api/stores/disconnect`, `/api/auth/logout`): in the scope this is added to, an empty JSON body is "no
 * body" instead of a 400. Non-empty bodies go through Fastify's own JSON parser (prototype-poisoning checks
 * included).
 */
import type { App } from './types.js';

export function allowEmptyJsonBody(scope: App): void {
  const parse = scope.getDefaultJsonParser('error', 'error');
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) {
      done(null, undefined);
      return;
    }
    parse(request, typeof body === 'string' ? body : body.toString('utf8'), done);
  });
}

/**
 * A `preValidation` hook for routes whose body is optional (every field optional): a request without a body
 * (no content type, or an empty JSON body above) is validated and handled as `{}`, since Fastify validates a
 * missing body as `undefined` and answers "body must be object".
 */
export async function missingBodyAsEmptyObject(request: { body: unknown }): Promise<void> {
  request.body ??= {};
}
