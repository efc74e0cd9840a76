import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { acceptEvents, pmwEvents } from '../../ingest/accept.js';
import { withEventAgeBound } from '../../ingest/event-age.js';
import { PmwEventsBodySchema } from '../../ingest/schema.js';
import { proxyGuard, proxyOrg, registerProxyPreflight } from '../proxy.js';
import type { App } from '../types.js';

export function registerPmwEventsCreate(app: App, deps: AppDeps): void {
  registerProxyPreflight(app, deps, '/v1/pmw-events');
  app.post(
    '/v1/pmw-events',
    {
      bodyLimit: deps.config.proxy.bodyLimitBytes,
      config: { invalidCode: 'invalid_payload', ingestBody: true },
      onRequest: proxyGuard(deps),
      // PMW sends one object or an array: validate both as an array, so errors carry the event index.
      preValidation: async (request) => {
        if (request.body !== null && typeof request.body === 'object' && !Array.isArray(request.body)) {
          request.body = [request.body] as typeof request.body;
        }
      },
      schema: {
        description:
          'Pixel Manager for WooCommerce passthrough: each platform member is forwarded as it is, with the domain’s credentials.',
        body: PmwEventsBodySchema,
        response: { 200: Type.Object({ success: Type.Literal(true) }) },
      },
    },
    async (request, reply) => {
      const ctx = request.proxyContext!;
      const client = { ipAddress: request.ip, userAgent: request.headers['user-agent'] };
      await acceptEvents(deps, {
        org: proxyOrg(ctx),
        route: '/v1/pmw-events',
        admission: request.proxyAdmission,
        // The stored time is the platform member's event_time (Meta's first).
        prepare: withEventAgeBound(
          pmwEvents(ctx, request.body, client),
          deps.config.ingest.eventMaxAgeSeconds,
          (index) => `[${index}].event_time`,
        ),
        countRequest: true,
      });
      return reply.send({ success: true as const });
    },
  );
}
