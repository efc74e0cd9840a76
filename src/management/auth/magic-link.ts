/**
 * Magic links: issue (login or invite) and mail them, and complete a login from a token. The token is the
 * only credential: 256 random bits, stored as SHA-256, used once, short-lived.
 */
import type { AppDeps } from '../../app-deps.js';
import { ApiError } from '../../errors.js';
import { plainMailText } from '../../mail/plain-text.js';
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
import { assertInviteAllowed, INVITE_ACTION } from '../orgs/invite-limits.js';
import { safeRedirectPath } from './redirect.js';

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

/**
 * Stores an invite link that joins `orgId` with `role`, audits it and mails it — unless the org or the
 * inviter has used up its invitations (429, see invite-limits.ts): the count, the token and the audit entry
 * that counts it commit together, the mail goes out after.
 *
 * The org name is the inviter's text in a mail to someone else: it stays out of the subject, and the body
 * carries it as one defanged line (no CR/LF, no clickable URL; src/mail/plain-text.ts).
 */
export async function sendInvite(
  deps: AppDeps,
  input: {
    email: string;
    orgId: string;
    orgName: string;
    role: Role;
    invitedBy: { id: string; email: string };
    ip: string | null;
  },
): Promise<LoginTokenRow> {
  const { inviteTokenTtlMs, publicBaseUrl } = deps.config.management;
  const now = deps.clock.now();
  const { token, row } = await deps.storage.db.transaction().execute(async (trx) => {
    await assertInviteAllowed(trx, deps.storage.dialect, deps.config.management, {
      orgId: input.orgId,
      userId: input.invitedBy.id,
      now,
    });
    const issued = await issueLoginToken(trx, {
      email: input.email,
      purpose: 'invite',
      orgId: input.orgId,
      role: input.role,
      invitedBy: input.invitedBy.id,
      now,
      ttlMs: inviteTokenTtlMs,
    });
    await audit(trx, {
      orgId: input.orgId,
      actorType: 'user',
      actorId: input.invitedBy.id,
      action: INVITE_ACTION,
      targetType: 'invite',
      targetId: issued.row.id,
      details: { email: input.email, role: input.role },
      ip: input.ip,
      at: now,
    });
    return issued;
  });
  await deliver(
    deps,
    input.email,
    'You are invited to an organization on Tagbridge',
    `${input.invitedBy.email} invited you to join an organization on Tagbridge as ${input.role}.\n` +
      `Organization: ${plainMailText(input.orgName)}\n\n` +
      `Accept and sign in:\n\n${callbackUrl(publicBaseUrl, token)}\n\n` +
      `The link works once and expires in ${minutes(inviteTokenTtlMs)}. If you do not know the sender, ` +
      'ignore this mail.\n',
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
    // Checked again on the way out: a path stored before redirects were encoded (`/✓`) cannot be a Location
    // header, and the token is already used by now.
    const redirect = row.redirect
      ? (safeRedirectPath(row.redirect, deps.config.management.publicBaseUrl) ?? WELCOME_PATH)
      : WELCOME_PATH;
    return { ok: true, sessionToken, userId: user.id, orgId, redirect };
  });
}
