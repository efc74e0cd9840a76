/**
 * Every environment variable the deployment files give Tagbridge — the Dockerfile's ENV, the compose file's
 * Tagbridge services, every container of the rendered Helm chart — is one src/config.ts reads and the
 * README's configuration table documents; and the settings a multi-node deployment cannot do without are
 * set by each of them, with values Tagbridge's own validation accepts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import {
  configVariables,
  dockerStages,
  envExample,
  fullValues,
  interpolate,
  loadCompose,
  read,
  readmeVariables,
  root,
  tagbridgeServices,
} from './deploy-files.js';
import { renderChart } from './helm-template.js';

/**
 * What a deployment of several nodes on PostgreSQL and Redis behind a proxy must set (the defaults are for
 * one process on a laptop): the database, the shared Redis, the one key all nodes share, the public names
 * used in links and domain verification, and which proxy to believe about client addresses.
 */
const REQUIRED = [
  'DATABASE_URL',
  'REDIS_URL',
  'ENCRYPTION_KEY',
  'PUBLIC_BASE_URL',
  'PUBLIC_HOSTNAME',
  'TRUST_PROXY',
];

type EnvEntry = { name: string; value?: string; valueFrom?: { secretKeyRef: { key: string } } };
type PodSpec = { containers: { name: string; env?: EnvEntry[] }[] };

function dockerfileVariables(): string[] {
  const runtime = dockerStages(read('Dockerfile')).at(-1);
  return (runtime?.instructions ?? [])
    .filter((i) => i.keyword === 'ENV')
    .flatMap((i) => [...i.args.matchAll(/([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1] as string));
}

/** Each Tagbridge container of the compose file, its environment interpolated from a filled-in .env. */
function composeEnvironments(): [string, Record<string, string>][] {
  const vars = {
    ...envExample(),
    ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
    POSTGRES_PASSWORD: 'a'.repeat(64),
    REDIS_PASSWORD: 'b'.repeat(64),
  };
  return tagbridgeServices(loadCompose()).map(([name, service]) => [
    name,
    Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), vars)]),
    ),
  ]);
}

/** Each container of the rendered chart (every optional part on), secrets resolved from the chart's Secret. */
function chartEnvironments(): [string, Record<string, string>][] {
  const docs = renderChart(join(root, 'deploy/helm/tagbridge'), fullValues).documents as {
    kind: string;
    metadata: { name: string };
    spec: { template: { spec: PodSpec } };
    stringData?: Record<string, string>;
  }[];
  const secret = docs.find((d) => d.kind === 'Secret')?.stringData ?? {};
  return docs
    .filter((d) => d.kind === 'Deployment' || d.kind === 'Job')
    .flatMap((d) =>
      d.spec.template.spec.containers.map((c): [string, Record<string, string>] => [
        `${d.metadata.name}/${c.name}`,
        Object.fromEntries(
          (c.env ?? []).map((e) => [e.name, e.value ?? secret[e.valueFrom?.secretKeyRef.key ?? ''] ?? '']),
        ),
      ]),
    );
}

test('every variable the deployment files set is read by src/config.ts and documented in the README', () => {
  const read = configVariables();
  const documented = readmeVariables();
  const set = new Map<string, string[]>();
  const note = (name: string, where: string): void => {
    set.set(name, [...(set.get(name) ?? []), where]);
  };
  for (const name of dockerfileVariables()) note(name, 'Dockerfile');
  for (const [service, env] of composeEnvironments())
    for (const name of Object.keys(env)) note(name, `compose ${service}`);
  for (const [container, env] of chartEnvironments())
    for (const name of Object.keys(env)) note(name, `chart ${container}`);
  assert.ok(set.size > 10, 'the files were read');

  const unknown = [...set.keys()].filter((name) => !read.has(name)).sort();
  const undocumented = [...set.keys()].filter((name) => !documented.has(name)).sort();
  assert.deepEqual(unknown, [], 'set but never read by src/config.ts');
  assert.deepEqual(undocumented, [], 'set but not in the README configuration table');
});

test('each deployment sets what several nodes need, and Tagbridge accepts the values', () => {
  const environments = [...composeEnvironments(), ...chartEnvironments()];
  assert.ok(environments.length >= 6);
  for (const [where, env] of environments) {
    const missing = REQUIRED.filter((name) => !env[name]);
    assert.deepEqual(missing, [], `${where} sets every required variable`);
    // Tagbridge's own validation (the same as at start-up) accepts the whole environment.
    const config = loadConfig(env);
    assert.match(config.databaseUrl ?? '', /^postgres:\/\//, where);
    assert.ok(config.redisUrl, where);
    assert.equal(config.encryptionKeyGenerated, false, `${where}: no key generated per node`);
    assert.ok(Array.isArray(config.trustProxy), `${where}: TRUST_PROXY names proxies, never "true"`);
    assert.match(config.management.publicBaseUrl, /^https:\/\//, `${where}: public over TLS`);
  }
  // The list above is what src/config.ts itself insists on, and more: with DATABASE_URL, the key.
  assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://x@y/z' }), /ENCRYPTION_KEY is required/);
});
