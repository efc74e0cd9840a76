import { CLI_ACTOR } from '../../management/audit.js';
import { addMember } from '../../management/orgs/add-member.js';
import { memberView } from '../../management/orgs/members.js';
import { type Command, required } from '../context.js';

export const orgAddMember: Command = {
  name: 'org add-member',
  usage: `org add-member --org ORG --email EMAIL [--role owner|admin|member|viewer]
                                           add a person (found or created) to an org (default role: member)`,
  async run({ values, out, withDeps }) {
    const orgId = required(values, 'org');
    const email = required(values, 'email');
    const member = await withDeps((deps) =>
      addMember(deps, CLI_ACTOR, { orgId, email, role: values.role ?? 'member' }),
    );
    out.print(`${member.email} is now ${member.role} of ${orgId}`, { orgId, ...memberView(member) });
    return 0;
  },
};
