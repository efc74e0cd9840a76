/**
 * Magic links: issue (login or invite) and mail them, and complete a login from a token. The token is the
 * only credential: 256 random bits, stored as SHA-256, used once, short-lived.
 */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import {
  consumeLoginToken,
  issueLoginToken,
  type LoginTokenProblem,
  type LoginTokenRow,
} from '../../storage/repos/login-tokens.js';
import { addMembership, listUserOrgs } from '../../storage/repos/memberships.js';
import { createSession, revokeSessionByToken } from '../../storage/repos/sessions.js';
import { getOrCreateUser, recordLogin } from '../../storage/repos/users.js';
import type { Role } from '../../storage/schema.js';
import { audit } from '../audit.js';

/** Where a sign-in lands unless the login asked for another page: the dashboard (GET /app). */
export const WELCOME_PATH = '/app';

export function callbackUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/v1/auth/callback?token=${token}`;
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m >= 2 * 24 * 60 && m % (24 * 60) === 0) return `${m / (24 * 60)} days`;
  return m === 1 ? '1 minute' : `${m} minutes`;
}

async function deliver(deps: AppDeps, to: string, subject: string, text: string): Promise<void> {
  try {
    await deps.mailer.send({ to, subject, text });
  } catch (error) {
    // The link was stored but nobody can receive it: say so rather than pretend it was sent.
    deps.logger?.error({ err: error }, 'sending mail failed');
    throw new ApiError('service_unavailable', 'The sign-in mail could not be sent; try again later');
  }
}

/** Stores a login link for `email` and mails it. Known and unknown addresses are treated alike. */
export async function sendLoginLink(
  deps: AppDeps,
  input: { email: string; redirect: string | null },
): Promise<void> {
  const { loginTokenTtlMs, publicBaseUrl } = deps.config.management;
  const { token } = await issueLoginToken(deps.storage.db, {
    email: input.email,
    purpose: 'login',
    redirect: input.redirect,
    now: deps.clock.now(),
    ttlMs: loginTokenTtlMs,
  });
  await deliver(
    deps,
    input.email,
    'Your Tagbridge sign-in link',
    `Sign in to Tagbridge by opening this link:\n\n${callbackUrl(publicBaseUrl, token)}\n\n` +
      `The link works once and expires in ${minutes(loginTokenTtlMs)}. If you did not ask to sign in, ` +
      'ignore this mail.\n',
  );
}

/** Stores an invite link that joins `orgId` with `role` and mails it. */
export async function sendInvite(
  deps: AppDeps,
  input: {
    email: string;
    orgId: string;
    orgName: string;
    role: Role;
    invitedBy: { id: string; email: string };
  },
): Promise<LoginTokenRow> {
  const { inviteTokenTtlMs, publicBaseUrl } = deps.config.management;
  const { token, row } = await issueLoginToken(deps.storage.db, {
    email: input.email,
    purpose: 'invite',
    orgId: input.orgId,
    role: input.role,
    invitedBy: input.invitedBy.id,
    now: deps.clock.now(),
    ttlMs: inviteTokenTtlMs,
  });
  await deliver(
    deps,
    input.email,
    `You are invited to ${input.orgName} on Tagbridge`,
    `${input.invitedBy.email} invited you to join "${input.orgName}" on Tagbridge as ${input.role}.\n\n` +
      `Accept and sign in:\n\n${callbackUrl(publicBaseUrl, token)}\n\n` +
      `The link works once and expires in ${minutes(inviteTokenTtlMs)}.\n`,
  );
  return row;
}

export type LoginResult =
  | { ok: true; sessionToken: string; userId: string; orgId: string | null; redirect: string }
  | { ok: false; problem: LoginTokenProblem };

/**
 * Uses a magic-link token: the user (created on first login), the invite's membership, a fresh session whose
 * current org is the invite's org or the user's first one. One transaction, so a failure leaves the token
 * unused.
 */
export async function completeLogin(
  deps: AppDeps,
  input: { token: string; previousSessionToken: string | null; ip: string },
): Promise<LoginResult> {
  const now = deps.clock.now();
  const { token, previousSessionToken: previous, ip } = input;
  return deps.storage.db.transaction().execute(async (trx): Promise<LoginResult> => {
    const lookup = await consumeLoginToken(trx, token, now);
    if (!lookup.ok) return lookup;
    const row = lookup.row;
    const { user, created } = await getOrCreateUser(trx, row.email, now);
    let orgId: string | null = null;
    if (row.purpose === 'invite' && row.org_id) {
      const joined = await addMembership(trx, {
        orgId: row.org_id,
        userId: user.id,
        role: (row.role as Role | null) ?? 'viewer',
        now,
      });
      orgId = row.org_id;
      if (joined) {
        await audit(trx, {
          orgId,
          actorType: 'user',
          actorId: user.id,
          action: 'member.join',
          targetType: 'user',
          targetId: user.id,
          details: { role: row.role, invitedBy: row.invited_by },
          ip,
          at: now,
        });
      }
    } else {
      orgId = (await listUserOrgs(trx, user.id))[0]?.orgId ?? null;
    }
    await recordLogin(trx, user.id, now);
    // The browser's previous session (if any) ends: one cookie, one session.
    if (previous) await revokeSessionByToken(trx, previous, now);
    const { session, token: sessionToken } = await createSession(trx, {
      userId: user.id,
      orgId,
      now,
      maxAgeMs: deps.config.management.sessionMaxAgeMs,
    });
    await audit(trx, {
      orgId,
      actorType: 'user',
      actorId: user.id,
      action: 'auth.login',
      targetType: 'session',
      targetId: session.id,
      details: { via: row.purpose, newUser: created },
      ip,
      at: now,
    });
    return { ok: true, sessionToken, userId: user.id, orgId, redirect: row.redirect ?? WELCOME_PATH };
  });
}
