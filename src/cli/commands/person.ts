import { CLI_ACTOR } from '../../management/audit.js';
import { erasePerson, exportPerson } from '../../retention/person.js';
import { type CliValues, type Command, UsageError } from '../context.js';

function personQuery(values: CliValues): { email?: string; phone?: string; orgId: string | null } {
  if (!values.email && !values.phone) throw new UsageError('--email or --phone is required');
  return {
    ...(values.email ? { email: values.email } : {}),
    ...(values.phone ? { phone: values.phone } : {}),
    orgId: values.org ?? null,
  };
}

export const erase: Command = {
  name: 'erase',
  usage: `erase --email ADDRESS [--phone NUMBER] [--org ORG]
                                           erase a person's data in every org (or one): sealed fields, derived
                                           keys, quoted text (GDPR Art. 17); --json prints {"erased":{table:count}}`,
  async run({ values, out, withDeps }) {
    const query = personQuery(values);
    const result = await withDeps((deps) => erasePerson(deps, query, { type: 'operator', id: CLI_ACTOR.id }));
    const lines = Object.entries(result.erased)
      .filter(([, n]) => n > 0)
      .map(([table, n]) => `  ${table}: ${n}`);
    out.print(lines.length ? `erased:\n${lines.join('\n')}` : 'nothing held about this person', result);
    return 0;
  },
};

export const exportPersonCommand: Command = {
  name: 'export-person',
  usage: `export-person --email ADDRESS [--phone NUMBER] [--org ORG]
                                           what is held about a person, opened (GDPR Art. 15)`,
  async run({ values, out, withDeps }) {
    const query = personQuery(values);
    const result = await withDeps((deps) =>
      exportPerson(deps, query, { type: 'operator', id: CLI_ACTOR.id }),
    );
    out.print(JSON.stringify(result, null, 2), result);
    return 0;
  },
};
