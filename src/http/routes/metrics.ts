/**
 * `GET /metrics` on PORT: only with METRICS_TOKEN set and METRICS_PORT unset, only to that Bearer token,
 * never on a domain's proxy host (metrics-access.ts decides; README "Monitoring").
 */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { metricsAccess, proxyHostCheck } from '../metrics-access.js';
import type { App } from '../types.js';

export function registerMetrics(app: App, deps: AppDeps): void {
  const isProxyHost = proxyHostCheck(deps);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const decision = await metricsAccess(
      deps.config,
      'port',
      { hosts: [request.headers.host, request.host], authorization: request.headers.authorization },
      isProxyHost,
    );
    if (!decision.serve) {
      throw new ApiError(
        decision.status === 401 ? 'unauthenticated' : 'not_found',
        decision.message,
        {},
        decision.challenge ? { 'www-authenticate': decision.challenge } : {},
      );
    }
    const text = await deps.metrics.registry.metrics();
    return reply
      .header('content-type', deps.metrics.registry.contentType)
      .header('cache-control', 'no-store')
      .send(text);
  });
}
