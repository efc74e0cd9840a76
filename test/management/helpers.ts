/** Helpers for the management API tests: a capturing mailer, the magic-link flow, cookies. */
import type { Mailer, MailMessage } from '../../src/mail/mailer.js';
import type { TestService } from '../harness.js';

/** A mailer that keeps what it was asked to send (most tests; the SMTP path has its own test). */
export class CapturingMailer implements Mailer {
  readonly sent: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.sent.push(message);
  }
  close(): void {}
  /** The token of the newest magic link mailed to `to`. */
  lastToken(to: string): string {
    const mail = [...this.sent].reverse().find((m) => m.to === to.toLowerCase());
    if (!mail) throw new Error(`no mail to ${to}`);
    return tokenFrom(mail.text);
  }
}

export function tokenFrom(text: string): string {
  const match = /\/v1\/auth\/callback\?token=([0-9a-f]+)/.exec(text);
  if (!match) throw new Error(`no magic link in:\n${text}`);
  return match[1]!;
}

export function dashboardOrigin(service: TestService): string {
  return new URL(service.config.management.publicBaseUrl).origin;
}

/** The sc_session value a response sets (undefined when it sets none). */
export function sessionCookie(setCookie: string | string[] | undefined): string | undefined {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  for (const line of all) {
    const match = /^sc_session=([^;]*)/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/** Posts the confirm form as a browser would; returns the session cookie value. */
export async function confirmLogin(service: TestService, token: string): Promise<string> {
  const res = await service.app!.inject({
    method: 'POST',
    url: '/v1/auth/callback',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: dashboardOrigin(service) },
    payload: new URLSearchParams({ token }).toString(),
  });
  const cookie = sessionCookie(res.headers['set-cookie']);
  if (res.statusCode !== 303 || !cookie) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return cookie;
}

/** Full magic-link login through a capturing mailer: headers of the signed-in browser. */
export async function signIn(
  service: TestService,
  mailer: CapturingMailer,
  email: string,
): Promise<Record<string, string>> {
  const res = await service.app!.inject({
    method: 'POST',
    url: '/v1/auth/login',
    headers: { origin: dashboardOrigin(service) },
    payload: { email },
  });
  if (res.statusCode !== 202) throw new Error(`login request failed: ${res.statusCode} ${res.body}`);
  const cookie = await confirmLogin(service, mailer.lastToken(email));
  return { cookie: `sc_session=${cookie}`, origin: dashboardOrigin(service) };
}
