/**
 * Making a channel's feeds generate afresh on their next request. The catalogue sync calls this when a
 * run has changed products; definition changes do the same through updateFeedRow.
 */
import type { DB } from '../storage/db.js';
import { bumpFeedsOfChannel } from '../storage/repos/feeds.js';

/** Bumps the content version of every feed of `channelId` (all nodes see it: the version is in the cache key). */
export async function invalidateFeedsOfChannel(db: DB, channelId: string): Promise<number> {
  return bumpFeedsOfChannel(db, channelId);
}
