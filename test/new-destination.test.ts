/**
 * Adding a destination is its folder plus its line in the registry, and nothing else. A copy of the project
 * gets a made-up platform (test/fixtures/new-destination/acme: config with several secrets, a second URL
 * for an OAuth token endpoint, a fake that serves both) as src/destinations/acme/ and one more entry in
 * registry.ts; then the copy must compile (no other file lists the types one by one) and the contract test,
 * config, the fakes and `tagbridge dev` must take the new destination in, while the README check asks for
 * its rows.
 */
import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { dialect } from './harness.js';

const root = resolve(import.meta.dirname, '..');
const fixture = join(root, 'test/fixtures/new-destination/acme');

/** The one edit outside the new folder: the import and the entry in the registry's list. */
function register(registryFile: string): void {
  const source = readFileSync(registryFile, 'utf8');
  const list = /const REGISTERED = \[([^\]]*)\] as const;/;
  assert.match(source, list, 'the registry keeps its list in one statement');
  const listed = source.replace(
    list,
    (_, names: string) => `const REGISTERED = [${names.trim()}, acme] as const;`,
  );
  writeFileSync(registryFile, `import { acme } from './acme/index.js';\n${listed}`);
}

function run(copy: string, args: string[]): SpawnSyncReturns<string> {
  // Without NODE_TEST_CONTEXT: with it, a `node --test` started from a test reports to this runner instead
  // of running its files.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return spawnSync(process.execPath, args, {
    cwd: copy,
    encoding: 'utf8',
    env: { ...env, TEST_DATABASE: 'sqlite' },
    timeout: 300_000,
  });
}

const output = (result: SpawnSyncReturns<string>): string => `${result.stdout}\n${result.stderr}`;

describe('a new destination is its folder and a registry line', {
  // One copy of the project is enough; it does not depend on the database dialect.
  skip: dialect === 'postgres' && 'runs once, on the SQLite pass',
}, () => {
  let copy = '';

  before(() => {
    copy = mkdtempSync(join(tmpdir(), 'tagbridge-new-destination-'));
    for (const path of ['src', 'test', 'docs', 'README.md', 'package.json', 'tsconfig.json']) {
      cpSync(join(root, path), join(copy, path), { recursive: true });
    }
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    cpSync(fixture, join(copy, 'src/destinations/acme'), { recursive: true });
    register(join(copy, 'src/destinations/registry.ts'));
  });
  after(() => {
    if (copy !== '') rmSync(copy, { recursive: true, force: true });
  });

  it('compiles: no other file needs to name it', () => {
    const tsc = run(copy, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json']);
    assert.equal(tsc.status, 0, output(tsc));
  });

  it('the contract test, its consent and fake checks, config and tagbridge dev take it in', () => {
    const tests = run(copy, [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      'src/destinations/contract.test.ts',
      'src/destinations/acme/consent.test.ts',
      'src/config.test.ts',
      'src/dev/fakes/index.test.ts',
      'test/dev.test.ts',
    ]);
    assert.equal(tests.status, 0, output(tests));
    for (const name of [
      'contract: acme',
      'consent: acme',
      'acme: its fake takes what the adapter builds from the sample config',
      "every destination's URL variables are read, validated and defaulted",
      "tagbridge dev: a demo domain whose events reach every registered platform's fake",
    ]) {
      assert.ok(tests.stdout.includes(name), `ran "${name}"`);
    }
  });

  it("the fakes answer under every URL variable it declares, the OAuth token endpoint's too", async () => {
    const fakes: typeof import('../src/dev/fakes/index.js') = await import(
      pathToFileURL(join(copy, 'src/dev/fakes/index.ts')).href
    );
    const platforms = await fakes.startFakePlatforms();
    try {
      const api = platforms.urls.ACME_API_URL ?? '';
      assert.match(api, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(platforms.urls.ACME_OAUTH_TOKEN_URL, `${api}/oauth/token`);
      const token = await fetch(`${api}/oauth/token`, { method: 'POST', body: '{}' });
      assert.equal(token.status, 200);
      assert.equal(((await token.json()) as { access_token: string }).access_token, 'acme-access-token');
    } finally {
      await platforms.close();
    }
  });

  it('the README check asks for its rows (the docs are the one other place a destination appears)', () => {
    const docs = run(copy, ['--import', 'tsx', '--test', 'test/docs.test.ts']);
    assert.notEqual(docs.status, 0);
    assert.match(
      output(docs),
      /\| `ACME_API_URL` \| `https:\/\/api\.acme\.test` \| Acme Ads API base URL\. \|/,
    );
    assert.match(output(docs), /\| `ACME_OAUTH_TOKEN_URL` \|/);
    assert.match(output(docs), /'acme'/);
  });
});
