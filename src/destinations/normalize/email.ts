import { foldCase } from './text.js';

// Deliberately loose: platforms match on whatever the shop collected, we only refuse values that
// cannot be an address at all (no `@`, inner spaces, no dot in the domain).
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/u;

/** Email as Meta, TikTok, Pinterest and Snap normalize it: trim, NFC, lowercase. */
export function normalizeEmail(raw: string): string | undefined {
  const email = foldCase(raw);
  return EMAIL_SHAPE.test(email) ? email : undefined;
}

/**
 * Reddit's canonical email (Manual Advanced Matching): lowercase, drop everything from the first
 * `+` up to the `@`, then drop every non-alphanumeric character of the local part. Reddit applies
 * this to every domain, not only gmail. `Al.ice$+Apple@Example.Com` → `alice@example.com`.
 */
export function normalizeRedditEmail(raw: string): string | undefined {
  const email = normalizeEmail(raw);
  if (email === undefined) return undefined;
  const at = email.lastIndexOf('@');
  const domain = email.slice(at + 1);
  let local = email.slice(0, at);
  const plus = local.indexOf('+');
  if (plus !== -1) local = local.slice(0, plus);
  local = local.replace(/[^\p{L}\p{N}]/gu, '');
  return local === '' ? undefined : `${local}@${domain}`;
}

/** The local part without dots and without a `+alias` (`Jane.Doe+shop` → `JaneDoe`); empty stays empty. */
function withoutDotsAndAlias(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  let local = email.slice(0, at);
  const plus = local.indexOf('+');
  if (plus !== -1) local = local.slice(0, plus);
  local = local.replaceAll('.', '');
  return local === '' ? undefined : `${local}@${email.slice(at + 1)}`;
}

const GOOGLE_MAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * Google's email rule (GA4 Measurement Protocol `user_data`, Google Ads / Data Manager): trim, lowercase,
 * and for `gmail.com` / `googlemail.com` only, drop the dots and the `+suffix` of the local part. Other
 * domains keep both (`jane.doe+shop@example.com` stays as it is).
 */
export function normalizeGoogleEmail(raw: string): string | undefined {
  const email = normalizeEmail(raw);
  if (email === undefined) return undefined;
  const domain = email.slice(email.lastIndexOf('@') + 1);
  return GOOGLE_MAIL_DOMAINS.has(domain) ? withoutDotsAndAlias(email) : email;
}

/**
 * Microsoft's email rule (UET Conversions API `em`): trim, drop every dot of the local part and the
 * `+alias`, lowercase, for every domain, not only gmail (`Jane.Doe+shop@Example.com` →
 * `janedoe@example.com`).
 */
export function normalizeMicrosoftEmail(raw: string): string | undefined {
  const email = normalizeEmail(raw);
  return email === undefined ? undefined : withoutDotsAndAlias(email);
}
