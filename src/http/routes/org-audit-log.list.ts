import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { decodePageCursor, encodePageCursor } from '../../lib/page-cursor.js';
import { isoTime } from '../../management/orgs/views.js';
import { type AuditCursor, listAuditLog } from '../../storage/repos/audit-log.js';
import { orgSession, requireRole, requireSession } from '../auth/session.js';
import type { App } from '../types.js';

export const AuditLogQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const AuditLogResponse = Type.Object({
  entries: Type.Array(
    Type.Object({
      id: Type.String(),
      at: Type.String({ format: 'date-time' }),
      actor: Type.Object({
        type: Type.String({ description: 'user, api_key, sync or operator' }),
        id: Type.Union([Type.String(), Type.Null()]),
        email: Type.Union([Type.String(), Type.Null()]),
      }),
      action: Type.String({ description: 'e.g. auth.login, org.update, member.invite, member.role_change' }),
      target: Type.Union([
        Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
        Type.Null(),
      ]),
      details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
      ip: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
});

function decodeCursor(value: string): AuditCursor {
  const position = decodePageCursor(value, 'aud');
  if (!position) throw new ApiError('validation_failed', 'cursor is not valid', { field: 'cursor' });
  return position;
}

export function registerOrgAuditLogList(app: App, deps: AppDeps): void {
  app.get(
    '/v1/org/audit-log',
    {
      preHandler: [requireSession(deps), requireRole('admin')],
      schema: {
        description: 'Every management write in the current org (who, what, when, from where), newest first.',
        querystring: AuditLogQuery,
        response: { 200: AuditLogResponse },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const before = request.query.cursor ? decodeCursor(request.query.cursor) : undefined;
      // One more than asked tells whether another page follows.
      const rows = await listAuditLog(deps.storage.db, orgSession(request).orgId, {
        limit: limit + 1,
        before,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        entries: page.map((e) => ({
          id: e.id,
          at: isoTime(e.at),
          actor: { type: e.actorType, id: e.actorId, email: e.actorEmail },
          action: e.action,
          target: e.targetType ? { type: e.targetType, id: e.targetId } : null,
          details: e.details,
          ip: e.ip,
        })),
        nextCursor: rows.length > limit && last ? encodePageCursor({ at: last.at, id: last.id }) : null,
      };
    },
  );
}
