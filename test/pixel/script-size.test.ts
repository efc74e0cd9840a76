/**
 * The pixel's budget and shape (issue 12, "The script"): at most 6 KB gzipped as served, nothing loaded
 * at runtime, only its own folder bundled, and its browser TypeScript type-checked (the root tsconfig
 * leaves src/pixel/script to its own tsconfig, which has the DOM types).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { buildPixelBundle, pixelSource } from '../../src/pixel/bundle.js';

const BUDGET = 6144;
const root = fileURLToPath(new URL('../../', import.meta.url));

test('the built script is at most 6 KB gzipped, also with the configuration the route wraps around it', async () => {
  const bundle = await buildPixelBundle();
  assert.ok(bundle.gzipSize <= BUDGET, `${bundle.gzipSize} bytes gzipped > ${BUDGET}`);
  assert.equal(bundle.gzipSize, gzipSync(bundle.bytes, { level: 9 }).length);
  const served = pixelSource(bundle, {
    consentDefault: 'deny',
    collectUrl: '//t.shop.example.com/v1/collect',
  });
  const servedSize = gzipSync(Buffer.from(served), { level: 9 }).length;
  assert.ok(servedSize <= BUDGET, `${servedSize} bytes gzipped as served > ${BUDGET}`);
  console.log(`# pixel: ${bundle.bytes.length} bytes, ${bundle.gzipSize} gzipped (budget ${BUDGET})`);
});

test('the build is deterministic: one hash per source', async () => {
  const [a, b] = await Promise.all([buildPixelBundle(), buildPixelBundle()]);
  assert.equal(a.hash, b.hash);
  assert.match(a.hash, /^[0-9a-f]{16}$/);
});

test('no imports or requires at runtime: one self-contained iife built from its own folder only', async () => {
  const bundle = await buildPixelBundle();
  assert.doesNotMatch(bundle.code, /\brequire\s*\(/);
  assert.doesNotMatch(bundle.code, /\bimport\s*[({"'`*]|\bimport\.meta\b|\bexport\s*[{*]/);
  assert.match(bundle.code, /^"use strict";\(\(\)=>\{/);
  assert.match(bundle.code, /\}\)\(\);$/);

  const meta = await build({
    entryPoints: [`${root}src/pixel/script/main.ts`],
    bundle: true,
    write: false,
    metafile: true,
    format: 'iife',
    platform: 'browser',
    logLevel: 'silent',
  });
  const inputs = Object.keys(meta.metafile.inputs).map((p) => relative(root, `${root}${p}`));
  assert.ok(inputs.length > 0);
  for (const input of inputs) assert.match(input, /^src\/pixel\/script\/[a-z-]+\.ts$/, input);
});

test('the browser code type-checks with its own tsconfig (DOM, ES2017)', () => {
  const tsc = spawnSync(
    process.execPath,
    [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}src/pixel/script/tsconfig.json`],
    { encoding: 'utf8' },
  );
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
});
