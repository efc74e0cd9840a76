#!/usr/bin/env node
/**
 * Summarizes a V8 .cpuprofile (written by `BENCH_CPU_PROF=1 npm run bench`, or node --cpu-prof):
 * the top functions by self time, and by total (inclusive) time, so hot spots can be read without
 * opening DevTools.
 *
 *   node bench/profile-summary.mjs .bench/profiles/ingest1/CPU.*.cpuprofile [--top 30] [--filter src/]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '25' }, filter: { type: 'string' } },
  allowPositionals: true,
});
if (positionals.length === 0) {
  process.stderr.write('usage: node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--filter TEXT]\n');
  process.exit(2);
}
const top = Number(values.top);

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // Sample time: each sample lasts until the next (timeDeltas[i] is the gap before sample i).
  const selfUs = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const dt = deltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const keyOf = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const short = url
      .replace(/^file:\/\//, '')
      .replace(/^.*\/node_modules\//, 'npm:')
      .replace(/^.*\/dist\//, 'dist/');
    return `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
  };

  const self = new Map();
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + us);
    // Each function on the stack once, however deep the recursion.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = keyOf(byId.get(cur));
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }

  // By area: which package or source folder the self time is in.
  const areas = new Map();
  for (const [id, us] of selfUs) {
    const { url, functionName } = byId.get(id).callFrame;
    let area;
    if (!url) area = functionName.startsWith('(') ? functionName : '(native)';
    else if (url.includes('/node_modules/')) area = `npm:${url.split('/node_modules/')[1].split('/')[0]}`;
    else if (url.includes('/dist/'))
      area = `dist/${url.split('/dist/')[1].split('/').slice(0, -1).join('/')}`;
    else if (url.startsWith('node:')) area = url;
    else area = url;
    areas.set(area, (areas.get(area) ?? 0) + us);
  }

  const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
  const print = (title, map) => {
    process.stdout.write(`\n${title}\n`);
    [...map]
      .filter(([k]) => !values.filter || k.includes(values.filter))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .forEach(([k, us]) => {
        process.stdout.write(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`);
      });
  };
  process.stdout.write(`\n== ${file}: ${(total / 1e6).toFixed(2)} s sampled\n`);
  print('by area (self)', areas);
  print('by function (self)', self);
  print('by function (total, inclusive)', inclusive);
}
