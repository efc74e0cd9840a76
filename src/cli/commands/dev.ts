import { devInstructions, startDev } from '../../dev/dev.js';
import { type Command, untilSignal } from '../context.js';

export const dev: Command = {
  name: 'dev',
  usage: 'dev                                      run with five fake ad platforms and a demo domain',
  async run({ out }) {
    const session = await startDev();
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
