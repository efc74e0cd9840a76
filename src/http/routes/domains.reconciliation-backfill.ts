import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { backfillOrders } from '../../orders/backfill.js';
import { auditUserWrite, DomainParamsSchema, loadOrgDomain, sessionRole } from '../auth/org-access.js';
import { orgSession } from '../auth/session.js';
import type { App } from '../types.js';
import { reconciliationRange } from './domains.reconciliation.js';

export const BackfillResultSchema = Type.Object({
  missing: Type.Integer({ description: 'Paid orders some enabled destination never had.' }),
  sent: Type.Integer({ description: 'Orders sent now (or that would be, in a dry run).' }),
  deliveries: Type.Integer({ description: 'Deliveries created: one per order and destination.' }),
  notSendable: Type.Array(
    Type.Object({ destination: Type.String(), reason: Type.String(), orders: Type.Integer() }),
  ),
  dryRun: Type.Boolean(),
});

export function registerDomainsReconciliationBackfill(app: App, deps: AppDeps): void {
  app.post(
    '/v1/domains/:id/reconciliation/backfill',
    {
      preHandler: sessionRole(deps, 'admin'),
      schema: {
        description:
          'Sends paid orders of the range to the enabled destinations that never had them, while the order’s data is kept and the platform still takes an event that old. Idempotent: a second run sends nothing.',
        params: DomainParamsSchema,
        body: Type.Object(
          {
            from: Type.Optional(Type.String({ description: 'ISO date or date-time. Default: 7 days ago.' })),
            to: Type.Optional(Type.String({ description: 'ISO date or date-time. Default: now.' })),
            dryRun: Type.Optional(Type.Boolean({ description: 'Only count what would be sent.' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: BackfillResultSchema },
      },
    },
    async (request) => {
      const { orgId } = orgSession(request);
      const domain = await loadOrgDomain(deps, orgId, request.params.id);
      const range = reconciliationRange(deps.clock.now(), request.body);
      const result = await backfillOrders(deps, {
        orgId,
        domainId: domain.id,
        ...range,
        dryRun: request.body.dryRun,
      });
      if (!result.dryRun && result.deliveries > 0) {
        await auditUserWrite(deps, request, {
          action: 'orders.backfill',
          targetType: 'domain',
          targetId: domain.id,
          details: { orders: result.sent, deliveries: result.deliveries },
        });
      }
      return result;
    },
  );
}
