import { setFlagsFromString } from 'node:v8';
import { type Role, startService } from '../../main.js';
import { type Command, UsageError, untilSignal } from '../context.js';

const HEAP_GROWING_PERCENT = 30;

export const serve: Command = {
  name: 'serve',
  usage: 'serve [--role api|worker|all]            run the service (default: all)',
  async run({ values, out, config: loadConfig }) {
    const role = (values.role ?? 'all') as Role;
    if (!['api', 'worker', 'all'].includes(role)) throw new UsageError('--role must be api, worker or all');
    const config = loadConfig();
    // V8 lets the old generation grow to up to 4× what survived the last full collection before collecting
    // again. Under ingest nearly every request's objects are promoted (they live while their group commits),
    // so the heap filled with garbage: peak RSS 350 MB at 50 events per request. Growing by 30% at a time
    // collects sooner: ~220 MB, with no loss of events/s measured (docs/architecture.md, "Memory").
    // Not --max-old-space-size: that caps the heap, this only paces collection. Read at every collection, so
    // setting it here, before the service allocates, is enough.
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    const service = await startService(config, { role });
    if (config.encryptionKeyGenerated) {
      service.app?.log.warn(
        `ENCRYPTION_KEY is not set: generated one into ${config.dataDir}/encryption.key. Back it up; without it the stored credentials cannot be read.`,
      );
    }
    const metrics = service.metricsAddress ? `, metrics on ${service.metricsAddress}` : '';
    out.print(`tagbridge ${role} listening on ${service.address}${metrics}`, {
      role,
      address: service.address,
      metricsAddress: service.metricsAddress,
    });
    await untilSignal();
    await service.close();
    return 0;
  },
};
