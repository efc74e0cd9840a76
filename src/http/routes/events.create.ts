import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { acceptEvents, inboundEvents } from '../../ingest/accept.js';
import { withEventAgeBound } from '../../ingest/event-age.js';
import { ProxyEventsBodySchema } from '../../ingest/schema.js';
import { proxyGuard, proxyOrg, registerProxyPreflight } from '../proxy.js';
import type { App } from '../types.js';

export function registerEventsCreate(app: App, deps: AppDeps): void {
  registerProxyPreflight(app, deps, '/v1/events');
  app.post(
    '/v1/events',
    {
      bodyLimit: deps.config.proxy.bodyLimitBytes,
      config: { invalidCode: 'invalid_payload', ingestBody: true },
      onRequest: proxyGuard(deps),
      schema: {
        description:
          'Submit shop events for delivery to the domain’s destinations. Authenticated by X-SSP-Token; the domain is found by Host.',
        headers: Type.Object({ 'x-ssp-token': Type.Optional(Type.String()) }),
        body: ProxyEventsBodySchema,
        response: { 200: Type.Object({ success: Type.Literal(true) }) },
      },
    },
    async (request, reply) => {
      const ctx = request.proxyContext!;
      await acceptEvents(deps, {
        org: proxyOrg(ctx),
        route: '/v1/events',
        admission: request.proxyAdmission,
        prepare: withEventAgeBound(
          inboundEvents(ctx, request.body.events, 'PROXY'),
          deps.config.ingest.eventMaxAgeSeconds,
          (index) => `events[${index}].eventTime`,
        ),
        countRequest: true,
      });
      return reply.send({ success: true as const });
    },
  );
}
