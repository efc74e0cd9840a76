/**
 * How many invitation mails may go out: per org and per inviting user, per 24 h. Each invite is a mail to an
 * address the inviter chose, so without a bound a fresh account is a free mail cannon (a probe sent 177 in
 * 0.57 s from three sessions). Counted from the audit log's `member.invite` entries — in the database, so
 * every session and every node counts together — inside the transaction that writes the next entry, with
 * the inviter's and the org's rows locked on PostgreSQL, so parallel requests cannot all pass one count.
 */
import { ApiError } from '../../errors.js';
import type { DB } from '../../storage/db.js';
import {
  type AuditWindowCount,
  countOrgActionsSince,
  countUserActionsSince,
} from '../../storage/repos/audit-log.js';
import { lockOrgRow } from '../../storage/repos/orgs.js';
import { lockUserRow } from '../../storage/repos/users.js';

export const INVITE_ACTION = 'member.invite';
export const INVITE_WINDOW_MS = 24 * 3600_000;

export interface InviteLimits {
  invitesPerOrgPerDay: number;
  invitesPerUserPerDay: number;
}

function refuse(what: string, limit: number, window: AuditWindowCount, now: number): ApiError {
  // The window frees a place when its oldest entry turns 24 h old.
  const freeAt = (window.oldestAt ?? now) + INVITE_WINDOW_MS;
  const retryAfter = Math.max(1, Math.ceil((freeAt - now) / 1000));
  return new ApiError(
    'rate_limited',
    `${what} may send at most ${limit} invitations per 24 hours; retry after ${retryAfter}s`,
    { retry_after: retryAfter, limit, scope: what === 'This organization' ? 'org' : 'user' },
    { 'retry-after': String(retryAfter) },
  );
}

/** Throws 429 `rate_limited` when the org or the user has no invitation left; call inside the transaction. */
export async function assertInviteAllowed(
  trx: DB,
  dialect: 'sqlite' | 'postgres',
  limits: InviteLimits,
  input: { orgId: string; userId: string; now: number },
): Promise<void> {
  if (dialect === 'postgres') {
    // Always user, then org: two invites never wait on each other's locks in opposite orders.
    await lockUserRow(trx, input.userId);
    await lockOrgRow(trx, input.orgId);
  }
  const since = input.now - INVITE_WINDOW_MS;
  const org = await countOrgActionsSince(trx, { orgId: input.orgId, action: INVITE_ACTION, since });
  if (org.count >= limits.invitesPerOrgPerDay) {
    throw refuse('This organization', limits.invitesPerOrgPerDay, org, input.now);
  }
  const user = await countUserActionsSince(trx, { userId: input.userId, action: INVITE_ACTION, since });
  if (user.count >= limits.invitesPerUserPerDay) {
    throw refuse('You', limits.invitesPerUserPerDay, user, input.now);
  }
}
