/**
 * The README's "Set up a shop by hand", word for word: its `npx tagbridge` commands (read from the README,
 * ids filled in where it writes `org_…` and `dom_…`), its documented outputs, then the sign-in it describes
 * through a real SMTP server, and the management API showing the org, the domain and its destination.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startTestService, type TestService } from '../harness.js';
import { confirmLogin, dashboardOrigin, tokenFrom } from '../management/helpers.js';
import { startSmtpServer, type TestSmtpServer } from '../management/smtp.js';
import { cliJson } from './helpers.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

interface Step {
  args: string[];
  /** The README's `# → {…}` line after the command, if any. */
  documented: Record<string, unknown> | null;
}

/** Shell words of one command line: single and double quotes, no expansion (the README uses none). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let current: string | null = null;
  let quote: string | null = null;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      current ??= '';
    } else if (/\s/.test(ch)) {
      if (current !== null) words.push(current);
      current = null;
    } else {
      current = (current ?? '') + ch;
    }
  }
  if (current !== null) words.push(current);
  return words;
}

function quickStartSteps(): Step[] {
  const start = README.indexOf('Set up a shop by hand');
  assert.ok(start >= 0, 'the README has its quick start');
  const block = /```sh\n([\s\S]*?)```/.exec(README.slice(start))?.[1] ?? '';
  const lines = block.replace(/\\\n\s*/g, '').split('\n');
  const steps: Step[] = [];
  for (const line of lines) {
    if (line.startsWith('npx tagbridge ')) {
      steps.push({ args: shellWords(line).slice(2), documented: null });
    } else if (line.startsWith('# → ') && steps.length > 0) {
      steps[steps.length - 1]!.documented = JSON.parse(line.slice(4));
    }
  }
  return steps;
}

/** The sign-in sentence: the address it posts and the management API paths it names. */
function signInStep(): { email: string; paths: string[] } {
  const text = README.slice(README.indexOf('Then sign in as the owner'));
  const body = /-d\s+'([^']+)'/.exec(text)?.[1] ?? '';
  const paths = [...text.slice(0, text.indexOf('\n\n')).matchAll(/`GET (\/v1\/[^`]+)`/g)].map((m) => m[1]!);
  return { email: (JSON.parse(body) as { email: string }).email, paths };
}

describe('README quick start, word for word', () => {
  let smtp: TestSmtpServer;
  let service: TestService;
  before(async () => {
    smtp = await startSmtpServer();
    service = await startTestService({ role: 'api', env: { SMTP_URL: smtp.url } });
  });
  after(async () => {
    await service.destroy();
    await smtp.close();
  });

  test('org create --owner, domain add, destination set; sign in by mail; see them all', async () => {
    const steps = quickStartSteps();
    assert.deepEqual(
      steps.map((s) => s.args.slice(0, 2).join(' ')),
      ['org create', 'domain add', 'destination set'],
    );
    assert.ok(steps[0]!.args.includes('--owner'), 'the README creates the org with an owner');
    const ids: Record<string, string> = {};
    const outputs: Array<Record<string, unknown>> = [];
    for (const step of steps) {
      const args = step.args.map((word) =>
        word.replace(/^(org|dom)_…$/, (_m, kind: string) => ids[kind] ?? word),
      );
      const result = await cliJson(
        service,
        args.filter((a) => a !== '--json'),
      );
      assert.equal(result.code, 0, `${args.join(' ')}: ${JSON.stringify(result.body)}`);
      outputs.push(result.body);
      const id = String(result.body.id);
      if (args[0] === 'org') ids.org = id;
      if (args[0] === 'domain') ids.dom = id;
      // What the README shows is what comes out: every documented field, literally where it is literal.
      for (const [key, value] of Object.entries(step.documented ?? {})) {
        assert.ok(key in result.body, `${args.slice(0, 2).join(' ')} prints ${key}`);
        if (typeof value === 'string' && /…|</.test(value)) {
          if (value === '<64 hex>') assert.match(String(result.body[key]), /^[0-9a-f]{64}$/);
          else assert.ok(String(result.body[key]).startsWith(value.slice(0, value.indexOf('…'))));
        } else {
          assert.deepEqual(result.body[key], value, `${args.slice(0, 2).join(' ')}: ${key}`);
        }
      }
    }

    const { email, paths } = signInStep();
    assert.equal(email, steps[0]!.args[steps[0]!.args.indexOf('--owner') + 1], 'signs in as the owner');
    const login = await service.app!.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: { email },
    });
    assert.equal(login.statusCode, 202);
    const mail = await smtp.nextMailTo(email);
    const cookie = await confirmLogin(service, tokenFrom(mail.text));
    const headers = { cookie: `sc_session=${cookie}`, origin: dashboardOrigin(service) };
    const get = async (url: string) => {
      const res = await service.app!.inject({ method: 'GET', url, headers });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      return res.json();
    };

    assert.deepEqual(paths, ['/v1/orgs', '/v1/domains', '/v1/domains/dom_…/destinations']);
    const orgs = await get(paths[0]!);
    assert.deepEqual(
      orgs.orgs.map((o: { id: string; role: string }) => [o.id, o.role]),
      [[ids.org, 'owner']],
    );
    const domains = await get(paths[1]!);
    assert.deepEqual(
      domains.domains.map((d: { id: string; host: string }) => [d.id, d.host]),
      [[ids.dom, outputs[1]!.host]],
    );
    const destinations = await get(paths[2]!.replace('dom_…', ids.dom!));
    assert.deepEqual(
      destinations.destinations.map((d: { id: string; type: string }) => [d.id, d.type]),
      [[outputs[2]!.id, 'meta']],
    );
  });
});
