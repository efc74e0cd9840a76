import type { AppDeps } from '../../app-deps.js';
import type { App } from '../types.js';

export function registerMetrics(app: App, deps: AppDeps): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(text);
  });
}
