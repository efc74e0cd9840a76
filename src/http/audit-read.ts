/**
 * GDPR Art. 5(2) accountability: every successful read of event data through the API leaves an audit
 * entry — which key, which org, which endpoint with which filters, how many rows, when, from which IP. The
 * entry is written before the response is sent, so no read goes unrecorded.
 */
import type { FastifyRequest } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { audit } from '../management/audit.js';

export async function auditApiRead(
  deps: AppDeps,
  request: FastifyRequest,
  read: { action: string; endpoint: string; filters: Record<string, unknown>; rowCount: number },
): Promise<void> {
  const key = request.apiKey!;
  const filters = Object.fromEntries(Object.entries(read.filters).filter(([, v]) => v !== undefined));
  await audit(deps.storage.db, {
    orgId: key.orgId,
    actorType: 'api_key',
    actorId: key.id,
    action: read.action,
    targetType: 'api_key',
    targetId: key.id,
    details: { endpoint: read.endpoint, filters, rowCount: read.rowCount, keyPrefix: key.prefix },
    ip: request.ip,
    at: deps.clock.now(),
  });
}
