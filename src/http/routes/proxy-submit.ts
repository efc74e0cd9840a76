import type { AppDeps } from '../../app-deps.js';
import type { DomainContext } from '../../ingest/domain-context.js';
import type { PreparedEvent } from '../../ingest/prepare.js';

/** Hands prepared events to the group commit and waits until they are durable. */
export async function submitProxyEvents(
  deps: AppDeps,
  ctx: DomainContext,
  prepared: PreparedEvent[],
  route: string,
): Promise<void> {
  const started = performance.now();
  const result = await deps.writer.submit({ orgId: ctx.org.id, events: prepared, countRequest: true });
  deps.quota.record(ctx.org.id);
  const accepted = result.statuses.filter((s) => s === 'accepted').length;
  deps.metrics.ingestEvents.inc({ route, result: 'accepted' }, accepted);
  deps.metrics.ingestEvents.inc({ route, result: 'duplicate' }, result.statuses.length - accepted);
  deps.metrics.ingestLatency.observe({ route }, (performance.now() - started) / 1000);
}
