import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { acceptEvents, inboundEvents } from '../../ingest/accept.js';
import { withEventAgeBound } from '../../ingest/event-age.js';
import { InboundEventSchema } from '../../ingest/schema.js';
import { syncAuth, syncDomain } from '../auth/sync-token.js';
import { proxyOrg } from '../proxy.js';
import type { App } from '../types.js';

export const SyncPurchaseEventsBody = Type.Object({
  events: Type.Array(InboundEventSchema, { minItems: 1, maxItems: 1000 }),
  sync_token: Type.Optional(
    Type.String({ maxLength: 128, description: 'Instead of the Authorization header.' }),
  ),
});

export function registerSyncPurchaseEvents(app: App, deps: AppDeps): void {
  app.post(
    '/v1/sync/purchase-events',
    {
      preValidation: syncAuth(deps),
      bodyLimit: deps.config.proxy.bodyLimitBytes,
      // The body is /v1/events' body, so its failures read the same (invalid_payload with field and index).
      config: { invalidCode: 'invalid_payload', ingestBody: true },
      schema: {
        description:
          'Server-side purchase and refund events from the shop’s backend (refunds as Custom events named e.g. "Refund"): the /v1/events body, authenticated by the sync token instead of the Host and X-SSP-Token. Same validation, dedup, quota and delivery.',
        body: SyncPurchaseEventsBody,
        response: { 200: Type.Object({ success: Type.Literal(true) }) },
      },
    },
    async (request) => {
      const domain = syncDomain(request);
      const ctx = domain.status === 'deleted' ? null : await deps.domains.resolve(domain.host);
      if (!ctx || ctx.domain.id !== domain.id || ctx.domain.status === 'disabled') {
        throw new ApiError('domain_not_configured', `The domain is ${domain.status}: it takes no events`, {
          domain_id: domain.id,
        });
      }
      await acceptEvents(deps, {
        org: proxyOrg(ctx),
        route: '/v1/sync/purchase-events',
        prepare: withEventAgeBound(
          inboundEvents(ctx, request.body.events, 'SYNC'),
          deps.config.ingest.eventMaxAgeSeconds,
          (index) => `events[${index}].eventTime`,
        ),
        countRequest: true,
      });
      return { success: true as const };
    },
  );
}
