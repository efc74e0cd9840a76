/**
 * The plan's product limit: the products an org may hold across all its store channels
 * (`PLAN_<PLAN>_PRODUCTS`, null = unlimited). The catalogue sync enforces it page by page (writeSyncPage
 * counts the org's products inside the page's transaction): products already stored keep being updated,
 * new ones are left out once the limit is reached, and the run still completes with the result `limited`.
 * Raising the plan lifts it on the next run (a limited run makes the next one full, so it reads again
 * what it left out).
 */
import type { Config } from '../config.js';
import { isPlan } from '../lib/plans.js';
import { StatusError } from '../lib/status-error.js';
import type { DB } from '../storage/db.js';
import { getOrg } from '../storage/repos/orgs.js';
import { countOrgProducts } from '../storage/repos/products.js';

/** Seed 004's specific error code of the product limit. */
export const PRODUCT_LIMIT_ERROR = 'PIM_PRODUCT_LIMIT';
/** `last_sync_result` of a run that left products out for the limit. */
export const LIMITED_RESULT = 'limited';

/** The limit of a plan (an unknown plan gets the free plan's). */
export function productLimitOf(config: Pick<Config, 'planProductLimits'>): (plan: string) => number | null {
  return (plan) => config.planProductLimits[isPlan(plan) ? plan : 'free'];
}

export interface OrgProductLimit {
  /** null: unlimited. */
  limit: number | null;
  /** Products the org holds across its channels. */
  products: number;
  /** The org holds as many products as its plan allows (or more, after a downgrade). */
  reached: boolean;
}

export async function orgProductLimit(
  db: DB,
  config: Pick<Config, 'planProductLimits'>,
  orgId: string,
): Promise<OrgProductLimit> {
  const org = await getOrg(db, orgId);
  const limit = productLimitOf(config)(org?.plan ?? 'free');
  const products = await countOrgProducts(db, orgId);
  return { limit, products, reached: limit !== null && products >= limit };
}

const figure = (n: number): string => n.toLocaleString('en-US');

/** What a limited run says (`last_sync_error`, the CLI's warning). */
export function limitMessage(limit: number | null, notAdded: number): string {
  const of = limit === null ? 'product limit' : `limit of ${figure(limit)} products`;
  const count = `${figure(notAdded)} product${notAdded === 1 ? ' was' : 's were'}`;
  return `The plan's ${of} is reached: ${count} not added (${PRODUCT_LIMIT_ERROR}). Upgrade the plan or narrow the catalogue.`;
}

/**
 * Refuses a sync asked for while the org is at (or over) its limit: a run could add nothing new (the
 * simplest honest rule: it would only refresh what is stored, which the schedule does anyway).
 */
export async function requireRoomForProducts(
  db: DB,
  config: Pick<Config, 'planProductLimits'>,
  orgId: string,
): Promise<OrgProductLimit> {
  const state = await orgProductLimit(db, config, orgId);
  if (state.reached) {
    throw new StatusError(
      403,
      `The plan's limit of ${figure(state.limit ?? 0)} products is reached (${figure(state.products)} stored): upgrade the plan to sync more products.`,
      PRODUCT_LIMIT_ERROR,
    );
  }
  return state;
}
