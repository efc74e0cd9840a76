import { CLI_ACTOR } from '../../management/audit.js';
import { setOrgPlan } from '../../management/orgs/set-plan.js';
import { type Command, required } from '../context.js';

export const orgSet: Command = {
  name: 'org set',
  usage: 'org set --id ORG [--plan PLAN] [--status active|past_due|suspended|expired]',
  async run({ values, out, withDeps }) {
    const id = required(values, 'id');
    const org = await withDeps((deps) =>
      setOrgPlan(deps, CLI_ACTOR, {
        orgId: id,
        ...(values.plan !== undefined ? { plan: values.plan } : {}),
        ...(values.status !== undefined ? { status: values.status } : {}),
      }),
    );
    out.print(`org ${id}: plan ${org.plan}, subscription ${org.subscription_status}`, {
      id,
      plan: org.plan,
      subscriptionStatus: org.subscription_status,
    });
    return 0;
  },
};
