import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { audit } from '../../management/audit.js';
import { resolveEventName } from '../../public-api/event-schema.js';
import { CustomEventSchema, customEventBody } from '../../public-api/management-views.js';
import { createCustomEvent } from '../../storage/repos/custom-events.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export const CustomEventNameSchema = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9_](?:[A-Za-z0-9_ .:-]*[A-Za-z0-9_.:-])?$',
  description: 'Letters, digits, space, _ . : -; case-sensitive; not a standard event type.',
});

export const CreateCustomEventBody = Type.Object(
  {
    name: CustomEventNameSchema,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    isActive: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

export function registerOrgCustomEventsCreate(app: App, deps: AppDeps): void {
  app.post(
    '/v1/org/custom-events',
    {
      preHandler: [requireSession(deps), requireRole('admin')],
      schema: {
        summary: 'Define a custom event',
        description: 'Once defined and active, API clients may send events with this eventName.',
        tags: ['Management'],
        security: [{ sessionCookie: [] }],
        body: CreateCustomEventBody,
        response: { 201: CustomEventSchema },
      },
    },
    async (request, reply) => {
      const session = orgSession(request);
      const orgId = session.orgId;
      const now = deps.clock.now();
      const { name, description, isActive } = request.body;
      const resolved = resolveEventName({ eventName: name });
      if (resolved.kind === 'standard') {
        throw new ApiError('validation_failed', `${name} is a standard event type, not a custom event`, {
          field: 'name',
        });
      }
      const created = await deps.storage.db.transaction().execute(async (trx) => {
        const definition = await createCustomEvent(trx, {
          orgId,
          name,
          description: description ?? null,
          isActive: isActive ?? true,
          now,
        });
        if (!definition) return undefined;
        await audit(trx, {
          orgId,
          actorType: 'user',
          actorId: session.userId,
          action: 'custom_event.create',
          targetType: 'custom_event',
          targetId: definition.id,
          details: { name, isActive: definition.isActive },
          ip: request.ip,
          at: now,
        });
        return definition;
      });
      if (!created) {
        throw new ApiError('validation_failed', `A custom event named ${name} already exists`, {
          field: 'name',
        });
      }
      return reply.status(201).send(customEventBody(created));
    },
  );
}
