import { attemptsOf } from '../../storage/repos/deliveries.js';
import { type Command, required } from '../context.js';

export const deliveriesShow: Command = {
  name: 'deliveries show',
  usage: "deliveries show --id DELIVERY            a delivery's attempt trace",
  async run({ values, out, withDeps }) {
    const id = required(values, 'id');
    const trace = await withDeps((deps) => attemptsOf(deps.storage.db, id));
    const data = trace.map((a) => ({
      attempt: a.attempt,
      at: new Date(a.at).toISOString(),
      statusCode: a.status_code,
      outcome: a.outcome,
      message: a.message,
    }));
    out.print(
      data
        .map((a) => `#${a.attempt} ${a.at} ${a.outcome} ${a.statusCode ?? ''} ${a.message ?? ''}`)
        .join('\n') || 'no attempts',
      data,
    );
    return 0;
  },
};
