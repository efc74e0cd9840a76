import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DB } from '../storage/db.js';
import { QuotaTracker } from './quota.js';

test('an unlimited (null) plan quota stays unlimited; unknown plans get the free quota', async () => {
  const quotas = { free: 10, starter: 100, pro: 1000, enterprise: null };
  // Unlimited plans never touch the database.
  const tracker = new QuotaTracker({} as DB, { now: () => Date.now() }, quotas);
  assert.equal(tracker.limitFor('enterprise'), null);
  assert.equal(tracker.limitFor('pro'), 1000);
  assert.equal(tracker.limitFor('gold'), 10);
  const decision = await tracker.check('org_1', 'enterprise');
  assert.equal(decision.allowed, true);
  assert.equal(decision.limit, null);
});
