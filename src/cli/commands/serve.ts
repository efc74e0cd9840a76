import { type Role, startService } from '../../main.js';
import { type Command, UsageError, untilSignal } from '../context.js';

export const serve: Command = {
  name: 'serve',
  usage: 'serve [--role api|worker|all]            run the service (default: all)',
  async run({ values, out, config: loadConfig }) {
    const role = (values.role ?? 'all') as Role;
    if (!['api', 'worker', 'all'].includes(role)) throw new UsageError('--role must be api, worker or all');
    const config = loadConfig();
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
