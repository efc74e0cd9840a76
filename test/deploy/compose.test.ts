/**
 * deploy/docker-compose.yml and deploy/Caddyfile: the services issue 14 lists (2 API nodes, 2 workers,
 * PostgreSQL, Redis, a one-shot migration, Caddy with automatic TLS), the order they start in, TRUST_PROXY
 * naming exactly the network only Caddy sends from, and no secret written in the files. No Docker daemon runs
 * here; the Caddyfile is checked by Caddy itself (`caddy adapt --validate`, Debian's caddy, which .ci/run
 * installs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { COMMANDS } from '../../src/cli/index.js';
import { loadConfig } from '../../src/config.js';
import {
  type ComposeService,
  composeVariables,
  envExample,
  interpolate,
  loadCompose,
  read,
  root,
  tagbridgeServices,
  toolSkip,
} from './deploy-files.js';

const compose = loadCompose();
const services = compose.services;
const networksOf = (s: ComposeService): string[] =>
  Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {});

/** A filled-in deploy/.env: the example with every empty secret given a value. */
function filledEnv(): Record<string, string> {
  const env = envExample();
  return {
    ...env,
    ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
    POSTGRES_PASSWORD: 'a'.repeat(64),
    REDIS_PASSWORD: 'b'.repeat(64),
  };
}

test('API ×2 and worker ×2 on PostgreSQL and Redis, migrated once before they start, behind Caddy', () => {
  for (const name of ['postgres', 'redis', 'migrate', 'api', 'worker', 'caddy']) {
    assert.ok(services[name], `service ${name}`);
  }
  const api = services.api as ComposeService;
  const worker = services.worker as ComposeService;
  const migrate = services.migrate as ComposeService;
  assert.deepEqual(api.command, ['serve', '--role', 'api']);
  assert.deepEqual(worker.command, ['serve', '--role', 'worker']);
  assert.equal(api.deploy?.replicas, 2);
  assert.equal(worker.deploy?.replicas, 2);
  // The commands exist in the CLI.
  assert.deepEqual(migrate.command, ['migrate']);
  const names = COMMANDS.map((c) => c.name);
  assert.ok(names.includes('migrate') && names.includes('serve'));

  // Same image everywhere; nodes wait for the migration, the migration for PostgreSQL.
  assert.deepEqual(
    tagbridgeServices(compose)
      .map(([n]) => n)
      .sort(),
    ['api', 'migrate', 'worker'],
  );
  for (const node of [api, worker]) {
    assert.deepEqual((node.depends_on as Record<string, { condition: string }>).migrate, {
      condition: 'service_completed_successfully',
    });
    assert.equal(
      (node.depends_on as Record<string, { condition: string }>).redis?.condition,
      'service_healthy',
    );
    // The image's HEALTHCHECK (/health) applies: nothing turns it off.
    assert.equal(node.healthcheck, undefined);
    assert.equal(node.read_only, true);
  }
  assert.equal(
    (migrate.depends_on as Record<string, { condition: string }>).postgres?.condition,
    'service_healthy',
  );
  assert.ok(services.postgres?.healthcheck?.test?.includes('pg_isready'));

  // Only Caddy is reachable from outside.
  const published = Object.entries(services)
    .filter(([, s]) => s.ports?.length)
    .map(([n]) => n);
  assert.deepEqual(published, ['caddy']);
});

test('TRUST_PROXY is the edge network, and only Caddy and the API nodes are on it', () => {
  const subnet = compose.networks.edge?.ipam?.config?.[0]?.subnet;
  assert.ok(subnet, 'the edge network has a fixed subnet');
  const onEdge = Object.entries(services)
    .filter(([, s]) => networksOf(s).includes('edge'))
    .map(([n]) => n)
    .sort();
  assert.deepEqual(onEdge, ['api', 'caddy']);
  for (const [name, service] of tagbridgeServices(compose)) {
    assert.equal(service.environment?.TRUST_PROXY, subnet, `${name}: TRUST_PROXY`);
  }
  // And Tagbridge takes it as a proxy list (not `true`, which would trust any peer).
  const env = Object.fromEntries(
    Object.entries(services.api?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), filledEnv())]),
  );
  assert.deepEqual(loadConfig(env).trustProxy, [subnet]);
});

test('no secret is written in the files: they come from deploy/.env, and the example leaves them empty', () => {
  const example = envExample();
  for (const secret of ['ENCRYPTION_KEY', 'POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'SMTP_URL']) {
    assert.equal(example[secret], '', `${secret} is empty in .env.example`);
  }
  const api = services.api?.environment ?? {};
  assert.match(api.ENCRYPTION_KEY ?? '', /^\$\{ENCRYPTION_KEY:\?/);
  assert.match(api.DATABASE_URL ?? '', /\$\{POSTGRES_PASSWORD:\?/);
  assert.match(api.REDIS_URL ?? '', /\$\{REDIS_PASSWORD:\?/);
  // Without a filled-in .env the stack refuses to start rather than run with a guessed secret.
  assert.throws(() => interpolate(api.ENCRYPTION_KEY ?? '', envExample()), /set ENCRYPTION_KEY/);
  // Every variable the compose file reads is in the example (documented), and every example entry is used.
  assert.deepEqual(
    [...composeVariables()].filter((v) => !(v in example)),
    [],
  );
  assert.deepEqual(
    Object.keys(example).filter((v) => !composeVariables().has(v)),
    [],
  );
  assert.match(read('.gitignore'), /^deploy\/\.env$/m);
});

test('Caddy: automatic TLS for the management host, the proxy host and the shop hosts, balanced over the API nodes', () => {
  const caddyfile = read('deploy/Caddyfile');
  assert.match(caddyfile, /^\{\$TAGBRIDGE_HOST\} \{/m);
  assert.match(caddyfile, /^\{\$PUBLIC_HOSTNAME\} \{\$SHOP_HOSTS\} \{/m);
  assert.match(caddyfile, /dynamic a \{\s*name api\s*port 8080/);
  assert.match(caddyfile, /respond @metrics 404/);
  // No trusted_proxies: Caddy replaces a client's X-Forwarded-For instead of extending it.
  assert.doesNotMatch(caddyfile.replace(/#.*$/gm, ''), /trusted_proxies/);
  const caddy = services.caddy as ComposeService;
  assert.ok(caddy.volumes?.includes('./Caddyfile:/etc/caddy/Caddyfile:ro'));
  assert.ok(
    caddy.volumes?.some((v) => v.endsWith(':/data')),
    'certificates persist',
  );
});

test('Caddy accepts the Caddyfile (caddy adapt --validate)', {
  skip: toolSkip('caddy', "Debian's caddy package; .ci/run installs it"),
}, () => {
  const env = filledEnv();
  const result = spawnSync('caddy', ['adapt', '--config', join(root, 'deploy/Caddyfile'), '--validate'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, SHOP_HOSTS: 'ssp.acme.test' },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  const config = JSON.parse(result.stdout) as {
    apps: { http: { servers: Record<string, { routes: { match: { host: string[] }[] }[] }> } };
  };
  const hosts = Object.values(config.apps.http.servers)
    .flatMap((s) => s.routes)
    .flatMap((r) => r.match.flatMap((m) => m.host))
    .sort();
  assert.deepEqual(hosts, [env.PUBLIC_HOSTNAME, 'ssp.acme.test', env.TAGBRIDGE_HOST].sort());
  assert.match(result.stdout, /"dynamic_upstreams":\{"name":"api","port":"8080"/);
});
