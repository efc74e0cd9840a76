/**
 * The small HTML pages of the browser sign-in flow (sign-in form, link sent, confirm, bad link); a sign-in
 * lands on the dashboard (/app, src/http/routes/dashboard.get.ts). No script, no external resources; every value is
 * escaped; the headers keep the token out of caches and Referer headers and the page out of frames (a
 * framed confirm button could be clickjacked).
 */
import type { FastifyReply } from 'fastify';
import type { LoginTokenProblem } from '../../storage/repos/login-tokens.js';

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · Tagbridge</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#222}
button,input{font-size:1rem;padding:.6rem}button{padding:.6rem 1.2rem;cursor:pointer}
code{background:#f3f3f3;padding:0 .2rem}li{margin:.3rem 0}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

export function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return (
    reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      // same-origin, not no-referrer: under no-referrer Chromium posts these pages' forms with `Origin: null`,
      // which the login-CSRF check refuses (found by the dashboard's browser test). Other sites still get no
      // Referer, so the confirm page's token stays here.
      .header('referrer-policy', 'same-origin')
      .header('x-frame-options', 'DENY')
      .header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      )
      .send(html)
  );
}

/** The confirm step: a GET never signs in, so a mail scanner fetching the link leaves it usable. */
export function confirmPage(token: string, email: string, purpose: string): string {
  const intro =
    purpose === 'invite'
      ? `<p>Accept the invitation and sign in as <strong>${escapeHtml(email)}</strong>.</p>`
      : `<p>Sign in as <strong>${escapeHtml(email)}</strong>.</p>`;
  return page(
    purpose === 'invite' ? 'Join on Tagbridge' : 'Sign in to Tagbridge',
    `${intro}
<form method="post" action="/v1/auth/callback">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">${purpose === 'invite' ? 'Accept and sign in' : 'Sign in'}</button>
</form>`,
  );
}

const PROBLEM_TEXT: Record<LoginTokenProblem, string> = {
  unknown: 'This sign-in link is not valid. Check that the whole link was opened.',
  used: 'This sign-in link has already been used. Each link works once.',
  expired: 'This sign-in link has expired or was replaced by a newer one.',
};

export function problemMessage(problem: LoginTokenProblem): string {
  return PROBLEM_TEXT[problem];
}

/** Where the sign-in form is served. */
export const SIGN_IN_PATH = '/sign-in';

export function problemPage(problem: LoginTokenProblem): string {
  return page(
    'Link not usable',
    `<p>${escapeHtml(PROBLEM_TEXT[problem])}</p><p>Request a new link from the <a href="${SIGN_IN_PATH}">sign-in page</a>.</p>`,
  );
}

/** The sign-in form: posts the address to POST /v1/auth/login, which answers with linkSentPage. */
export function signInPage(): string {
  return page(
    'Sign in to Tagbridge',
    `<p>Enter your email address; we send you a sign-in link.</p>
<form method="post" action="/v1/auth/login">
<p><input type="email" name="email" required maxlength="254" autocomplete="email" aria-label="Email address"></p>
<button type="submit">Send me a link</button>
</form>`,
  );
}

export function linkSentPage(message: string): string {
  return page(
    'Check your mail',
    `<p>${escapeHtml(message)}</p><p>Open the link in this browser. Nothing came? <a href="${SIGN_IN_PATH}">Try again</a>.</p>`,
  );
}

/** A refused sign-in form post (bad address, too many requests, another site's form). */
export function signInErrorPage(message: string): string {
  return page(
    'Could not send a link',
    `<p>${escapeHtml(message)}</p><p><a href="${SIGN_IN_PATH}">Back to sign-in</a></p>`,
  );
}
