/**
 * The dashboard's browser build (src/dashboard/app/, Preact + uPlot): esbuild bundles it into content-hashed
 * files (`main-<hash>.js`, `main-<hash>.css`), each kept with its gzip and brotli forms, and a manifest that
 * names them. `npm ci` / `npm run build` write it to dist/dashboard-app/ (scripts/build-dashboard.mjs);
 * a process that finds no such build (run from source by tsx, a checkout without `npm run build`) builds
 * it in memory once, as the pixel does. The assets are served from /app/assets/ (src/http/routes/dashboard.get.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The first-load budget of issue 13: the JavaScript of the shell, gzipped. */
export const DASHBOARD_JS_BUDGET_GZIP_BYTES = 200 * 1024;

export interface DashboardAsset {
  name: string;
  contentType: string;
  bytes: Buffer;
  gzip: Buffer;
  br: Buffer;
  /** The strong ETag: the content hash in the name already, quoted. */
  etag: string;
}

export interface DashboardManifest {
  /** The script and stylesheet the HTML shell loads (file names under /app/assets/). */
  js: string;
  css: string;
  /** Every file of the build. */
  files: string[];
}

export interface DashboardBuild {
  manifest: DashboardManifest;
  assets: Map<string, DashboardAsset>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function contentType(name: string): string {
  const ext = name.slice(name.lastIndexOf('.'));
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/**
 * The entry point: beside this file when run from source; from dist/dashboard/ the browser source is in
 * the package's src/ (tsc leaves it to esbuild, like the pixel's).
 */
function entryPoint(): string {
  for (const candidate of ['./app/main.tsx', '../../src/dashboard/app/main.tsx']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('The dashboard source (src/dashboard/app/main.tsx) is missing from this installation');
}

function asset(name: string, bytes: Buffer): DashboardAsset {
  return {
    name,
    contentType: contentType(name),
    bytes,
    gzip: gzipSync(bytes, { level: 9 }),
    br: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }),
    etag: `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`,
  };
}

/** Bundles the app in memory: minified ES2020 for current browsers, no source maps, no external requests. */
export async function buildDashboard(): Promise<DashboardBuild> {
  const result = await build({
    entryPoints: [entryPoint()],
    bundle: true,
    write: false,
    outdir: '/dashboard-out',
    entryNames: '[name]-[hash]',
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const assets = new Map<string, DashboardAsset>();
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    assets.set(name, asset(name, Buffer.from(file.contents)));
  }
  const names = [...assets.keys()];
  const js = names.find((n) => n.endsWith('.js'));
  const css = names.find((n) => n.endsWith('.css'));
  if (!js || !css) throw new Error(`The dashboard build is incomplete: ${names.join(', ')}`);
  return { manifest: { js, css, files: names }, assets };
}

/** The build folder `npm run build` fills: dist/dashboard-app/ (gitignored with dist/). */
export function defaultBuildDir(): string {
  return fileURLToPath(new URL('../../dist/dashboard-app/', import.meta.url));
}

/** Writes a build (each file, its .gz and .br, manifest.json) into `dir`, replacing what was there. */
export function writeDashboardBuild(built: DashboardBuild, dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const a of built.assets.values()) {
    writeFileSync(join(dir, a.name), a.bytes);
    writeFileSync(join(dir, `${a.name}.gz`), a.gzip);
    writeFileSync(join(dir, `${a.name}.br`), a.br);
  }
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(built.manifest, null, 2)}\n`);
}

/** Reads a build written by writeDashboardBuild, or null when `dir` holds none (or an incomplete one). */
export function readDashboardBuild(dir: string): DashboardBuild | null {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return null;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as DashboardManifest;
  const assets = new Map<string, DashboardAsset>();
  for (const name of manifest.files) {
    const path = join(dir, name);
    if (!existsSync(path) || !existsSync(`${path}.gz`) || !existsSync(`${path}.br`)) return null;
    const bytes = readFileSync(path);
    assets.set(name, {
      name,
      contentType: contentType(name),
      bytes,
      gzip: readFileSync(`${path}.gz`),
      br: readFileSync(`${path}.br`),
      etag: `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`,
    });
  }
  return { manifest, assets };
}

let cached: Promise<DashboardBuild> | null = null;

/**
 * The process's dashboard: the prebuilt one when this module runs from dist/ and `npm run build` wrote it,
 * else built in memory (from source the files on disk could be older than the source, so tsx always builds).
 * Concurrent first callers share one build; a failed build is tried again next time.
 */
export function dashboardBuild(): Promise<DashboardBuild> {
  if (!cached) {
    const fromDist = import.meta.url.endsWith('.js');
    const prebuilt = fromDist ? readDashboardBuild(defaultBuildDir()) : null;
    cached = prebuilt ? Promise.resolve(prebuilt) : buildDashboard();
    cached.catch(() => {
      cached = null;
    });
  }
  return cached;
}
