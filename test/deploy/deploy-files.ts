/** Reading the deployment files the way the tools that use them do, for test/deploy/*.test.ts. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** With REQUIRE_SERVICES=1 (CI) a missing tool that .ci/run installs is a failure, not a skip. */
export function toolSkip(tool: string, why: string): string | false {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (found) return false;
  if (process.env.REQUIRE_SERVICES === '1') return false;
  return `${tool} is not installed (${why}); set REQUIRE_SERVICES=1 to fail instead`;
}

// ---------------------------------------------------------------------------------------------- Dockerfile

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

/** Instructions (continuation lines joined, comments dropped), grouped by stage; ARG defaults resolved in FROM. */
export function dockerStages(source: string): Stage[] {
  const instructions: Instruction[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^\s*(#|$)/.test(line)) continue;
    const start = i;
    let text = line;
    while (/\\\s*$/.test(text) && i + 1 < lines.length) {
      i++;
      const next = lines[i] as string;
      if (/^\s*#/.test(next)) continue;
      text = `${text.replace(/\\\s*$/, '')} ${next.trim()}`;
    }
    const m = /^\s*(\w+)\s*(.*)$/.exec(text);
    if (m)
      instructions.push({
        keyword: (m[1] as string).toUpperCase(),
        args: (m[2] as string).trim(),
        line: start + 1,
      });
  }
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = ins.args.split('=');
      args.set(name, value);
    } else if (ins.keyword === 'FROM') {
      const [image = '', as, name] = ins.args
        .replace(/\$\{(\w+)\}/g, (_m, n: string) => args.get(n) ?? '')
        .split(/\s+/);
      stages.push({
        from: image,
        name: as?.toUpperCase() === 'AS' ? (name ?? null) : null,
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return stages;
}

// ------------------------------------------------------------------------------------------------ Compose

export type ComposeService = {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  deploy?: { replicas?: number };
  networks?: string[] | Record<string, unknown>;
  ports?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: string[];
  read_only?: boolean;
  tmpfs?: string[];
};

export interface Compose {
  services: Record<string, ComposeService>;
  networks: Record<string, { ipam?: { config?: { subnet: string }[] } }>;
}

/** deploy/docker-compose.yml with its `${VAR…}` left as written (YAML merge keys applied, as Compose does). */
export function loadCompose(): Compose {
  return parseYaml(read('deploy/docker-compose.yml'), { merge: true }) as Compose;
}

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?error}` from `vars`. */
export function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    const v = vars[name];
    if (v !== undefined && v !== '') return v;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

/** Every `${NAME…}` the compose file interpolates. */
export function composeVariables(): Set<string> {
  return new Set([...read('deploy/docker-compose.yml').matchAll(/\$\{(\w+)/g)].map((m) => m[1] as string));
}

/** deploy/.env.example as NAME → value. */
export function envExample(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of read('deploy/.env.example').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

/** The services that run Tagbridge's image. */
export function tagbridgeServices(compose: Compose): [string, ComposeService][] {
  return Object.entries(compose.services).filter(([, s]) => s.image?.includes('tagbridge'));
}

// --------------------------------------------------------------------------------------------- The config

/**
 * Every variable src/config.ts reads: it is the only reader of the environment, so ask it (the names it
 * touches while loading), and read it (the names it spells out).
 */
export function configVariables(): Set<string> {
  const seen = new Set<string>();
  const dataDir = mkdtempSync(join(tmpdir(), 'tagbridge-config-'));
  try {
    const given: Record<string, string> = {
      DATA_DIR: dataDir,
      ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    };
    const env = new Proxy(given, {
      get(target, name) {
        if (typeof name === 'string') seen.add(name);
        return target[name as string];
      },
    });
    loadConfig(env);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  // And every name it reads literally, in case a read depends on another variable's value.
  const source = read('src/config.ts');
  for (const m of source.matchAll(/\benv(?:\.|\[')([A-Z][A-Z0-9_]+)|\(env, '([A-Z][A-Z0-9_]+)'/g)) {
    seen.add((m[1] ?? m[2]) as string);
  }
  return seen;
}

/** The variables of the README's configuration table. */
export function readmeVariables(): Set<string> {
  const readme = read('README.md');
  const start = readme.indexOf('## Configuration');
  const end = readme.indexOf('\n## ', start + 1);
  return new Set(
    [...readme.slice(start, end).matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1] as string),
  );
}

// ---------------------------------------------------------------------------------------------- The chart

/** The values an operator must give, plus every optional part switched on. */
export const fullValues = {
  secrets: {
    ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
    DATABASE_URL: 'postgres://tagbridge:secret@postgres:5432/tagbridge',
    REDIS_URL: 'redis://:secret@redis:6379',
    SMTP_URL: 'smtp://user:pass@mail.example.com:587',
    METRICS_TOKEN: 'scrape-token-5f0c2a9e41d7b3c8e6a1',
  },
  config: { TRUST_PROXY: '10.244.0.0/16' },
  ingress: {
    enabled: true,
    className: 'nginx',
    tls: [{ secretName: 'tagbridge-tls', hosts: ['tagbridge.example.com'] }],
  },
};
