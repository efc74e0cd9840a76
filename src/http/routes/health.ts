import { Type } from 'typebox';
import type { AppDeps } from '../../app-deps.js';
import { checkHealth } from '../ops-server.js';
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
      // The same answer a worker's listener gives (src/http/ops-server.ts).
      const health = await checkHealth(deps.storage);
      return reply.status(health.status).send(health.body);
    },
  );
}
