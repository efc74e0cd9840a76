import { listPixelKeys } from '../../pixel/keys.js';
import { type Command, required } from '../context.js';

export const pkList: Command = {
  name: 'pk list',
  usage: "pk list --domain DOMAIN                  list a domain's pixel keys (preview, status, last use)",
  async run({ values, out, withDeps }) {
    const domainId = required(values, 'domain');
    const keys = await withDeps((deps) => listPixelKeys(deps, { orgId: null, domainId }));
    out.print(
      keys.length
        ? keys
            .map(
              (k) =>
                `${k.id} ${k.keyPreview} ${k.status} ${k.name} last used ${k.lastUsedAt === null ? 'never' : new Date(k.lastUsedAt).toISOString()}`,
            )
            .join('\n')
        : 'no pixel keys',
      keys,
    );
    return 0;
  },
};
