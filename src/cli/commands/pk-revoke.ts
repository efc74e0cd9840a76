import { CLI_ACTOR } from '../../management/audit.js';
import { revokePixelKey } from '../../pixel/keys.js';
import { type Command, required } from '../context.js';

export const pkRevoke: Command = {
  name: 'pk revoke',
  usage:
    'pk revoke --id KEY                       revoke a pixel key (refused at once here, within 5 s on other nodes)',
  async run({ values, out, withDeps }) {
    const id = required(values, 'id');
    // The operator names a key of any org and domain.
    const key = await withDeps((deps) => revokePixelKey(deps, CLI_ACTOR, { orgId: null, id }));
    out.print(`pixel key ${id} revoked at ${new Date(key.revokedAt ?? 0).toISOString()}`, key);
    return 0;
  },
};
