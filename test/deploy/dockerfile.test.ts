/**
 * The image's Dockerfile: it lints clean (dockerfile-utils, the linter of the VS Code Docker extension, every
 * rule an error) and has the properties issue 14 asks for — multi-stage, production dependencies only
 * (`npm ci --omit=dev`) in the runtime stage, a non-root numeric user, a health check on /health, DATA_DIR
 * as a volume — and its build context leaves out local state and secrets. No Docker daemon runs here, so
 * the image itself is not built.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationSeverity, type ValidatorSettings, validate } from 'dockerfile-utils';
import { dockerStages, read, type Stage } from './deploy-files.js';

const source = read('Dockerfile');
const stages = dockerStages(source);
const runtime = stages.at(-1) as Stage;
const all = (stage: Stage, keyword: string): string[] =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

test('the Dockerfile lints clean with every rule an error', () => {
  const strict: ValidatorSettings = {
    deprecatedMaintainer: ValidationSeverity.ERROR,
    directiveCasing: ValidationSeverity.ERROR,
    emptyContinuationLine: ValidationSeverity.ERROR,
    instructionCasing: ValidationSeverity.ERROR,
    instructionCmdMultiple: ValidationSeverity.ERROR,
    instructionEntrypointMultiple: ValidationSeverity.ERROR,
    instructionHealthcheckMultiple: ValidationSeverity.ERROR,
    instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
    instructionWorkdirRelative: ValidationSeverity.ERROR,
  };
  const problems = validate(source, strict).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
  assert.deepEqual(problems, []);
  // The linter itself catches a broken file (so an empty result above means something).
  assert.ok(validate(`${source}\nHEALTHCHECK CMD\n`, strict).length > 0);
});

test('multi-stage on Node 22 slim: the runtime holds production dependencies only, no compilers', () => {
  assert.ok(stages.length >= 2, 'multi-stage');
  const names = stages.map((s) => s.name);
  for (const stage of stages) {
    if (names.includes(stage.from)) continue; // built on an earlier stage
    assert.match(stage.from, /^node:22[\w.-]*-slim$/, `${stage.name}: ${stage.from}`);
  }
  assert.match(runtime.from, /^node:22[\w.-]*-slim$/);
  // The runtime's node_modules come from a stage that installed them with `npm ci --omit=dev`.
  const copies = all(runtime, 'COPY');
  const modules = copies.find((c) => /\/app\/node_modules\s/.test(c));
  const from = modules?.match(/--from=(\S+)/)?.[1];
  const deps = stages.find((s) => s.name === from);
  assert.ok(deps, `node_modules copied from a named stage (${modules})`);
  assert.ok(
    all(deps, 'RUN').some((r) => /\bnpm ci\b[^&]*--omit=dev/.test(r)),
    'that stage runs npm ci --omit=dev',
  );
  // better-sqlite3's native module is built in that stage and loaded once to prove it.
  assert.ok(all(deps, 'RUN').some((r) => /npm rebuild better-sqlite3/.test(r) && /better-sqlite3/.test(r)));
  // The runtime installs nothing: no npm install, no apt, no build tools.
  assert.deepEqual(
    all(runtime, 'RUN').filter((r) => /\b(npm|apt-get|g\+\+|make)\b/.test(r)),
    [],
  );
  // The build's output and the CLI entry are what runs.
  assert.ok(copies.some((c) => /\/app\/dist \.\/dist/.test(c)));
  assert.match(read('bin/tagbridge.js'), /\.\.\/dist\/cli-main\.js/);
  assert.equal(JSON.parse(read('tsconfig.build.json')).compilerOptions.outDir, 'dist');
  // The build stage runs `npm ci` whole, so `prepare` (tsc, bundles) runs as it does for a developer.
  const build = stages.find((s) => s.name === 'build');
  assert.ok(build && all(build, 'RUN').some((r) => /^npm ci(\s|$)/.test(r)));
});

test('runs as a numeric non-root user, with a health check, DATA_DIR a volume', () => {
  const users = all(runtime, 'USER');
  assert.equal(users.length, 1);
  const [uid] = (users[0] as string).split(':');
  assert.match(uid as string, /^\d+$/, 'numeric, so runAsNonRoot can verify it');
  assert.notEqual(Number(uid), 0);
  // Nothing after USER switches back.
  const last = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1);
  assert.ok(last && runtime.instructions.every((i) => i.keyword !== 'USER' || i === last));

  const [health] = all(runtime, 'HEALTHCHECK');
  assert.ok(health, 'HEALTHCHECK in the runtime stage');
  assert.match(health, /\/health/);
  assert.match(health, /process\.env\.PORT/);
  assert.match(health, /--timeout=\d+s/);

  const env = all(runtime, 'ENV').join(' ');
  assert.match(env, /DATA_DIR=\/data\b/);
  assert.ok(all(runtime, 'VOLUME').some((v) => v.includes('/data')));
  assert.ok(all(runtime, 'RUN').some((r) => /chown 1000:1000 \/data/.test(r) && /chmod 0700 \/data/.test(r)));
  assert.deepEqual(all(runtime, 'ENTRYPOINT'), ['["node", "bin/tagbridge.js"]']);
});

test('the build context leaves out local state, dependencies and secrets', () => {
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const entry of ['.git', 'node_modules', 'dist', 'data', '**/.env']) {
    assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
  }
});
