/**
 * The OpenAPI 3.1 document, generated from the routes' TypeBox schemas (@fastify/swagger collects every
 * route registered after it), served at /openapi.json, and an interactive reference at /docs
 * (@fastify/swagger-ui serves its assets from the package: no CDN, it works offline).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { AppDeps } from '../app-deps.js';
import type { App } from './types.js';

export async function registerOpenApi(app: App, deps: AppDeps): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tagbridge API',
        version: '1',
        description:
          'Server-to-server public API (`/api/v1`, Bearer API keys), management API (`/v1/org…`, session cookie) and proxy ingest (`/v1/events`, X-SSP-Token). Errors always have the shape `{"error":{"code","message","details"}}`. POST and PATCH accept an `Idempotency-Key` header. See docs/public-api.md for examples.',
      },
      servers: [{ url: deps.config.management.publicBaseUrl }],
      tags: [
        { name: 'Public API', description: 'Authorization: Bearer sp_… (API keys, server-to-server only).' },
        { name: 'Management', description: 'Session-authenticated (the dashboard).' },
        {
          name: 'Webhooks',
          description:
            'Outbound webhook endpoints, session-authenticated (owner or admin). See docs/webhooks.md.',
        },
        {
          name: 'Feeds',
          description:
            'Product feed definitions (session) and the public feed URL (no auth; seed 004 error shape). See docs/feeds.md.',
        },
      ],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key (sp_…) created under /v1/org/api-keys or with `tagbridge apikey create`.',
          },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'sc_session' },
          sspToken: { type: 'apiKey', in: 'header', name: 'X-SSP-Token' },
        },
      },
    },
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The page loads the same document from /docs/json. The default validator badge would call
    // validator.swagger.io: nothing here may leave the machine.
    uiConfig: { validatorUrl: null, deepLinking: true },
    staticCSP: true,
  });
}
