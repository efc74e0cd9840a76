/**
 * What the dashboard's browser tests share: a free port for the service, the axe-core check, and the
 * sign-in through the link mailed to the test SMTP server.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Page } from 'playwright-core';
import type { TestSmtpServer } from '../management/smtp.js';

const AXE = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs axe-core (WCAG 2.1 A and AA) on the page as it is and fails with every violation named. */
export async function axeCheck(page: Page, name: string): Promise<void> {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (o: unknown) => Promise<unknown> } }).axe;
    return (await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })) as {
      violations: Array<{ id: string; help: string; nodes: Array<{ target: string[] }> }>;
    };
  });
  const violations = result.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  assert.deepEqual(violations, [], `axe on ${name}`);
}

/**
 * Fails unless the page, at its current viewport, becomes no wider than `width` (tables scroll inside their
 * frame, long words wrap). It waits for the layout to settle first: charts follow their box through a
 * ResizeObserver, whose callback runs at the next rendered frame, so right after a viewport change the page
 * can still hold the chart at its old width (on a busy machine for a while). A page that stays too wide fails,
 * naming its width.
 */
export async function assertFitsWidth(page: Page, width: number, name: string): Promise<void> {
  const scrollWidth = () =>
    page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
          .documentElement.scrollWidth,
    );
  try {
    await page.waitForFunction(
      (max) =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
          .documentElement.scrollWidth <= max,
      width,
      { timeout: 5_000, polling: 'raf' },
    );
  } catch {
    assert.fail(`${name} is ${await scrollWidth()}px wide at ${width}px`);
  }
}

/** The sign-in link of a mail the SMTP server received. */
export async function mailedLink(smtp: TestSmtpServer, email: string): Promise<string> {
  const mail = await smtp.nextMailTo(email);
  const link = /https?:\/\/\S+\/v1\/auth\/callback\?token=[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
  assert.ok(link, mail.text);
  return link;
}

/** Signs in through /sign-in and the link the SMTP server received (or `link`); lands on /app. */
export async function signInByMail(
  page: Page,
  base: string,
  smtp: TestSmtpServer,
  email: string,
  link?: string,
): Promise<void> {
  if (!link) {
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await page.getByText('Check your mail').waitFor();
    link = await mailedLink(smtp, email);
  }
  await page.goto(link);
  await page.getByRole('button', { name: /sign in/i }).click();
  await page.waitForURL(`${base}/app`);
}
