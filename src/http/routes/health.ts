import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import type { App } from '../types.js';

export function registerHealth(app: App, deps: AppDeps): void {
  app.get(
    '/health',
    {
      schema: {
        description: 'Liveness and database reachability.',
        response: {
          200: Type.Object({ status: Type.Literal('ok') }),
          503: Type.Object({ status: Type.Literal('unavailable'), reason: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await deps.storage.ping();
        return reply.send({ status: 'ok' as const });
      } catch (error) {
        return reply
          .status(503)
          .send({ status: 'unavailable' as const, reason: `database: ${(error as Error).message}` });
      }
    },
  );
}
