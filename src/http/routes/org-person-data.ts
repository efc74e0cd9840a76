import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { erasePerson, exportPerson } from '../../retention/person.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export const PersonBody = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 254, description: 'The person’s e-mail address.' })),
    phone: Type.Optional(
      Type.String({ maxLength: 40, description: 'The person’s phone number (any format).' }),
    ),
  },
  { additionalProperties: false },
);

export const ErasureResponse = Type.Object({
  erased: Type.Record(Type.String(), Type.Integer(), {
    description: 'Rows changed per table: sealed values erased, visitors deleted, quoted text emptied.',
  }),
});

/**
 * GDPR Art. 17 and 15 for the current org's data (owners only): `POST /v1/org/erasures` and
 * `POST /v1/org/personal-data-exports` (src/retention/person.ts; the operator's `tagbridge erase` covers
 * every org). The person is named in the body, never in a URL (URLs end up in logs).
 */
export function registerOrgPersonData(app: App, deps: AppDeps): void {
  app.post(
    '/v1/org/erasures',
    {
      preHandler: [requireSession(deps), requireRole('owner')],
      schema: {
        description:
          'Erases what the current org holds about a person, found by e-mail and/or phone: sealed personal ' +
          'data of events (their pending deliveries are skipped), order snapshots and shop webhooks, the pixel ' +
          'visitors with their touchpoints (conversions are kept, unlinked), and text quoting them. Audited.',
        body: PersonBody,
        response: { 200: ErasureResponse },
      },
    },
    async (request) => {
      const session = orgSession(request);
      return erasePerson(
        deps,
        { ...request.body, orgId: session.orgId },
        { type: 'user', id: session.userId, ip: request.ip },
      );
    },
  );
  app.post(
    '/v1/org/personal-data-exports',
    {
      preHandler: [requireSession(deps), requireRole('owner')],
      schema: {
        description:
          'Everything the current org holds about a person (found by e-mail and/or phone), opened: events ' +
          'still sealed, visitors with their touchpoints, conversions, order snapshots, shop webhooks, and the ' +
          'rows whose text quotes them. Audited.',
        body: PersonBody,
        response: { 200: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async (request) => {
      const session = orgSession(request);
      return exportPerson(
        deps,
        { ...request.body, orgId: session.orgId },
        { type: 'user', id: session.userId, ip: request.ip },
      );
    },
  );
}
