import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { preparePmwEvent } from '../../ingest/prepare.js';
import { type PmwEvent, PmwEventsBodySchema } from '../../ingest/schema.js';
import { proxyGuard, registerProxyPreflight } from '../proxy.js';
import type { App } from '../types.js';
import { submitProxyEvents } from './proxy-submit.js';

export function registerPmwEventsCreate(app: App, deps: AppDeps): void {
  registerProxyPreflight(app, deps, '/v1/pmw-events');
  app.post(
    '/v1/pmw-events',
    {
      bodyLimit: deps.config.proxy.bodyLimitBytes,
      config: { invalidCode: 'invalid_payload' },
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
      const now = deps.clock.now();
      const items: PmwEvent[] = request.body;
      const client = { ipAddress: request.ip, userAgent: request.headers['user-agent'] };
      const prepared = items.map((item) =>
        preparePmwEvent(ctx, item, client, {
          sealer: deps.sealer,
          now,
          retryHorizonMs: deps.config.delivery.retryHorizonMs,
        }),
      );
      await submitProxyEvents(deps, ctx, prepared, '/v1/pmw-events');
      return reply.send({ success: true as const });
    },
  );
}
