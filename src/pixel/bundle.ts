/**
 * The browser pixel (src/pixel/script/), bundled by esbuild in memory the first time it is asked for and
 * kept for the life of the process: an iife, minified, for ES2017 browsers, no runtime dependencies.
 * The hash names this build; `/p.js?v=<hash>` is the versioned, immutable URL.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export interface PixelBundle {
  /** The minified script (without the per-domain configuration the route wraps around it). */
  code: string;
  bytes: Buffer;
  /** First 16 hex digits of the SHA-256 of `bytes`. */
  hash: string;
  /** Size of `bytes` gzipped (level 9), for the size budget. */
  gzipSize: number;
}

/**
 * The entry point: beside this file when run from source (tsx, tests); from dist/pixel/ the TypeScript
 * source is in the package's src/ (the build leaves the browser code to esbuild).
 */
function entryPoint(): string {
  for (const candidate of ['./script/main.ts', '../../src/pixel/script/main.ts']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('The pixel source (src/pixel/script/main.ts) is missing from this installation');
}

export async function buildPixelBundle(): Promise<PixelBundle> {
  const result = await build({
    entryPoints: [entryPoint()],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2017',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output for the pixel');
  const code = file.text.trimEnd();
  const bytes = Buffer.from(code, 'utf8');
  return {
    code,
    bytes,
    hash: createHash('sha256').update(bytes).digest('hex').slice(0, 16),
    gzipSize: gzipSync(bytes, { level: 9 }).length,
  };
}

/** What the script reads as `tagbridgeConfig`: the domain's settings, injected by the route. */
export interface PixelConfig {
  consentDefault: 'forward' | 'deny';
  /** Resolved by the script against its own URL. */
  collectUrl: string;
}

/** JSON that stays one JS expression whatever the strings hold (line separators are line breaks in old engines). */
function jsLiteral(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * The script as served for one domain: the bundle inside a function that hands it the configuration, so
 * the page's global scope gains nothing but `tagbridge`.
 */
export function pixelSource(bundle: PixelBundle, config: PixelConfig): string {
  return `(function(tagbridgeConfig){${bundle.code}\n})(${jsLiteral(config)});\n`;
}

/**
 * The `?v=` that may be cached for a year: the build and the domain's configuration together. A version of
 * the build alone would let a browser keep an old consent default for a year after the shop changed it;
 * with both, a change of either is a new URL (and the old one is served with the short lifetime).
 */
export function pixelVersion(bundle: PixelBundle, config: PixelConfig): string {
  return createHash('sha256')
    .update(`${bundle.hash}|${config.consentDefault}|${config.collectUrl}`)
    .digest('hex')
    .slice(0, 16);
}

let cached: Promise<PixelBundle> | null = null;

/** The process's one build (concurrent first callers share it; a failed build is tried again next time). */
export function pixelBundle(): Promise<PixelBundle> {
  if (!cached) {
    cached = buildPixelBundle();
    cached.catch(() => {
      cached = null;
    });
  }
  return cached;
}
