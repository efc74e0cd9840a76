import { PLANS } from '../../lib/plans.js';
import { CLI_ACTOR } from '../../management/audit.js';
import { createOrg } from '../../management/orgs/create-org.js';
import { type Command, required } from '../context.js';

export const orgCreate: Command = {
  name: 'org create',
  usage: `org create --name NAME [--plan PLAN] [--owner EMAIL]
                                           create an organization (plans: ${PLANS.join(', ')});
                                           --owner makes that person (found or created) its owner`,
  async run({ values, out, withDeps }) {
    const name = required(values, 'name');
    const org = await withDeps((deps) =>
      createOrg(deps, CLI_ACTOR, {
        name,
        plan: values.plan ?? 'free',
        ...(values.owner !== undefined ? { owner: { email: values.owner } } : {}),
      }),
    );
    out.print(
      `created org ${org.id} (${org.name}, ${org.plan})${values.owner ? `, owner ${values.owner}` : ''}`,
      {
        id: org.id,
        name: org.name,
        plan: org.plan,
        subscriptionStatus: org.subscription_status,
        ...(values.owner !== undefined ? { owner: values.owner.trim().toLowerCase() } : {}),
      },
    );
    return 0;
  },
};
