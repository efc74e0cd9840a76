import { CLI_ACTOR } from '../../management/audit.js';
import { createPixelKey } from '../../pixel/keys.js';
import { type Command, required } from '../context.js';

/** `--json` prints exactly `{"id","key"}`: other tools read it. */
export const pkCreate: Command = {
  name: 'pk create',
  usage: `pk create --domain DOMAIN [--name NAME]     create a publishable pixel key (pk_…, shown once) and print
                                           the snippet to paste; --json prints {"id","key"}`,
  async run({ values, out, withDeps }) {
    const domainId = required(values, 'domain');
    const created = await withDeps((deps) =>
      createPixelKey(deps, CLI_ACTOR, { orgId: null, domainId, name: values.name }),
    );
    out.print(
      `created pixel key ${created.pixelKey.id} for ${domainId}\n  key (shown once): ${created.key}\n  paste into every page of the shop:\n${created.snippet}`,
      { id: created.pixelKey.id, key: created.key },
    );
    return 0;
  },
};
