/**
 * The plans an org can be on: the values of `orgs.plan`. Storage owns the list; config.ts re-exports it for
 * the per-plan quotas it reads from the environment.
 */
export const PLANS = ['free', 'starter', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export function isPlan(value: string): value is Plan {
  return (PLANS as readonly string[]).includes(value);
}
