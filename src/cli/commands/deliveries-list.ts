import { type DeliveryStatus, listDeliveries } from '../../storage/repos/deliveries.js';
import { type Command, UsageError } from '../context.js';

const STATUSES = ['pending', 'delivered', 'failed', 'skipped', 'dead'];

export const deliveriesList: Command = {
  name: 'deliveries list',
  usage: 'deliveries list [--status pending|delivered|failed|skipped|dead] [--domain DOMAIN] [--limit N]',
  async run({ values, out, withDeps }) {
    const status = values.status as DeliveryStatus | undefined;
    if (status && !STATUSES.includes(status)) {
      throw new UsageError('--status must be pending, delivered, failed, skipped or dead');
    }
    const limit = values.limit ? Number(values.limit) : 100;
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
    const rows = await withDeps((deps) =>
      listDeliveries(deps.storage.db, {
        ...(status ? { status } : {}),
        ...(values.domain ? { domainId: values.domain } : {}),
        limit,
      }),
    );
    const data = rows.map((d) => ({
      id: d.id,
      eventPk: d.event_pk,
      domainId: d.domain_id,
      destinationId: d.destination_id,
      destinationType: d.destination_type,
      status: d.status,
      attempts: d.attempts,
      lastStatusCode: d.last_status_code,
      lastError: d.last_error,
      nextAttemptAt: new Date(d.next_attempt_at).toISOString(),
      updatedAt: new Date(d.updated_at).toISOString(),
    }));
    out.print(
      data.length
        ? data
            .map(
              (d) => `${d.id} ${d.destinationType} ${d.status} attempts=${d.attempts} ${d.lastError ?? ''}`,
            )
            .join('\n')
        : 'no deliveries',
      data,
    );
    return 0;
  },
};
