/**
 * The import graph stays the shape docs/architecture.md draws: no import circle anywhere in src/, and every
 * import points down the layer table below (or stays inside its own area). Read from the source with
 * TypeScript's own pre-processor, type-only imports included, so the rule cannot drift from the code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { sourceFiles } from '../test/source-files.js';

const SRC = resolve(import.meta.dirname);

/**
 * Areas from the bottom up. An area may import its own files and any area listed before it — never one
 * listed after it. Areas on the same line are peers and may not import each other.
 */
const LAYERS: string[][] = [
  ['lib', 'errors'],
  // Destinations are pure and read no configuration; config reads the base-URL variables they declare.
  ['destinations', 'storage'],
  ['config'],
  ['mail'],
  // Outbound webhooks: signing, the dispatcher, emission; below the areas whose changes it announces.
  ['webhooks'],
  // Attribution (issue 12): visitors, touchpoints, conversions, the report; ingest links server-side
  // purchases through it, so it sits below ingest.
  ['attribution'],
  ['ingest'],
  ['delivery'],
  // Retention and the data subject's rights (issue 14 §3): deletes what expired, erases and exports a person.
  ['retention'],
  ['metrics'],
  ['app-deps'],
  // First-party pixel (issue 12): keys, the collect endpoint, the script; attribution (below ingest) records
  // what the collect endpoint saw.
  ['pixel'],
  ['management', 'public-api', 'orders'],
  // Catalogue sync of connected stores (issue 11): below the store connections that show its progress
  // (src/catalogue/progress.ts is the one reading of the sync columns).
  ['catalogue'],
  // Store connections (issue 11): plugin sign-in, then the stores that use it.
  ['plugin-auth'],
  ['stores'],
  // Product feeds (issue 11): definitions, formats, generation, cache; used by http and cli.
  ['feeds'],
  // The dashboard (issue 13): its bundle build and the overview use case, served by http.
  ['dashboard'],
  ['http'],
  ['main'],
  ['dev'],
  ['cli'],
  ['cli-main'],
];

/** The area of a file: its folder under src/, or the file's own name for top-level modules. */
function areaOf(file: string): string {
  const rel = relative(SRC, file);
  const first = rel.split('/')[0] ?? rel;
  return first.replace(/\.ts$/, '');
}

/** file → the src files it imports (relative specifiers only; packages are not part of the graph). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    graph.set(file, targets);
  }
  return graph;
}

function rankOf(area: string): number {
  return LAYERS.findIndex((line) => line.includes(area));
}

const graph = importGraph();
const rel = (file: string): string => relative(SRC, file);

test('every area of src/ has a place in the layer table', () => {
  const areas = new Set([...graph.keys()].map(areaOf));
  const unplaced = [...areas].filter((area) => rankOf(area) === -1);
  assert.deepEqual(unplaced, [], `add these areas to LAYERS in ${rel(import.meta.filename)}`);
});

test('no import points up the layer table or sideways to a peer', () => {
  const wrong: string[] = [];
  for (const [file, targets] of graph) {
    const from = areaOf(file);
    for (const target of targets) {
      const to = areaOf(target);
      if (to === from) continue;
      if (rankOf(to) >= rankOf(from)) wrong.push(`${rel(file)} → ${rel(target)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no import circle between files', () => {
  // Tarjan's strongly connected components: any component of more than one file is a circle.
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (file: string): void => {
    indexOf.set(file, index);
    low.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!indexOf.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) ?? 0, indexOf.get(target) ?? 0));
      }
    }
    if (low.get(file) === indexOf.get(file)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(rel(member));
      } while (member !== file);
      if (component.length > 1) circles.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!indexOf.has(file)) visit(file);
  assert.deepEqual(circles, []);
});

test('the framework stays at the edge: only http/ (and the composition root) imports fastify', () => {
  const edge = new Set(['http', 'main', 'dev', 'cli', 'cli-main', 'app-deps']);
  const offenders = [...graph.keys()]
    .filter((file) => !edge.has(areaOf(file)))
    .filter((file) =>
      ts
        .preProcessFile(readFileSync(file, 'utf8'), true, true)
        .importedFiles.some((f) => f.fileName === 'fastify' || f.fileName.startsWith('@fastify/')),
    )
    .map(rel);
  assert.deepEqual(offenders, []);
});
