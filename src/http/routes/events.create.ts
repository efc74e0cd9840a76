import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { type PreparedEvent, prepareInboundEvent } from '../../ingest/prepare.js';
import { type InboundEvent, ProxyEventsBodySchema } from '../../ingest/schema.js';
import { proxyGuard, registerProxyPreflight } from '../proxy.js';
import type { App } from '../types.js';
import { submitProxyEvents } from './proxy-submit.js';

/** Checks the schema cannot express: they depend on the event type or on the clock. */
export function checkInboundEvent(event: InboundEvent, index: number, nowSeconds: number): void {
  if (event.eventName === 'Custom' && !event.customEventName) {
    throw new ApiError('invalid_payload', `events[${index}].customEventName is required for Custom events`, {
      field: `events[${index}].customEventName`,
      index,
    });
  }
  // Five minutes of clock skew; a millisecond timestamp lands far in the future and is caught here.
  if (event.eventTime > nowSeconds + 300) {
    throw new ApiError(
      'invalid_payload',
      `events[${index}].eventTime must be Unix seconds and not in the future`,
      {
        field: `events[${index}].eventTime`,
        index,
      },
    );
  }
}

export function registerEventsCreate(app: App, deps: AppDeps): void {
  registerProxyPreflight(app, deps, '/v1/events');
  app.post(
    '/v1/events',
    {
      bodyLimit: deps.config.proxy.bodyLimitBytes,
      config: { invalidCode: 'invalid_payload' },
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
      const now = deps.clock.now();
      const nowSeconds = Math.floor(now / 1000);
      request.body.events.forEach((event, index) => {
        checkInboundEvent(event, index, nowSeconds);
      });
      const prepared: PreparedEvent[] = request.body.events.map((event) =>
        prepareInboundEvent(ctx, event, 'PROXY', {
          sealer: deps.sealer,
          now,
          retryHorizonMs: deps.config.delivery.retryHorizonMs,
        }),
      );
      await submitProxyEvents(deps, ctx, prepared, '/v1/events');
      return reply.send({ success: true as const });
    },
  );
}
