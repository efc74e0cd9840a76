import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '../src/errors.js';
import { PLANS } from '../src/lib/plans.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const configSource = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`## ${title}`);
  assert.ok(start >= 0, `README has a "${title}" section`);
  const end = readme.indexOf('\n## ', start + 3);
  return readme.slice(start, end < 0 ? undefined : end);
}

test('every environment variable config.ts reads is in the README configuration table, and no other', () => {
  const read = new Set<string>();
  for (const m of configSource.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)) read.add(m[1]!);
  for (const m of configSource.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g)) read.add(m[1]!);
  for (const plan of PLANS) read.add(`PLAN_${plan.toUpperCase()}_MONTHLY_REQUESTS`);
  const documented = new Set(
    [...section('Configuration').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!),
  );
  assert.deepEqual([...read].sort(), [...documented].sort());
});

test('every error code is documented with its HTTP status', () => {
  const table = section('Proxy API');
  for (const [code, status] of Object.entries(ERROR_CODES)) {
    assert.match(
      table,
      new RegExp(`\\| \`${code}\` \\| ${status} \\|`),
      `${code} ${status} is in the README`,
    );
  }
});
