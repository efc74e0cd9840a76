import { devInstructions, parseFakePortBase, startDev } from '../../dev/dev.js';
import { type Command, untilSignal } from '../context.js';

export const dev: Command = {
  name: 'dev',
  usage:
    'dev [--fake-port-base N]                 run with seven fake ad platforms (free ports, or N…N+6) and a demo domain',
  async run({ out, values }) {
    const session = await startDev(process.env, parseFakePortBase(values['fake-port-base']));
    out.print(devInstructions(session), {
      address: session.service.address,
      host: session.host,
      proxyToken: session.proxyToken,
      platforms: session.fakes.urls,
    });
    await untilSignal();
    await session.close();
    return 0;
  },
};
