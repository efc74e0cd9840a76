/**
 * Adapters stay pure although each platform's fake (a real HTTP server) lives in the same folder: outside
 * the fakes, no file of destinations/ statically imports a fake or an I/O module, so the worker never loads
 * them; a destination reaches its fake only through the lazy `import('./fake.js')` of its `fake()`. And a
 * fake imports nothing but the fakes' plumbing: it is written from the platform's documentation, not from
 * the adapter, so the two check each other.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { sourceFiles } from '../../test/source-files.js';

const HERE = resolve(import.meta.dirname);
const FAKES = resolve(HERE, 'fakes');
// node:net is not listed: the normalizers use its isIP, a pure function.
const IO_MODULES =
  /^(node:)?(http|https|http2|tls|dgram|fs|fs\/promises|child_process|worker_threads)$|^undici$/;

const isFake = (file: string): boolean => file.startsWith(`${FAKES}/`) || file.endsWith('/fake.ts');
const rel = (file: string): string => relative(HERE, file);

/**
 * Module specifiers of a source's static imports and re-exports: what loading the file loads. Neither a
 * dynamic `import()` nor an `import type` (erased by the compiler) is one.
 */
function staticImportsIn(text: string): string[] {
  const source = ts.createSourceFile('source.ts', text, ts.ScriptTarget.Latest);
  return source.statements.flatMap((statement) =>
    (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
    !(ts.isImportDeclaration(statement) ? statement.importClause?.isTypeOnly : statement.isTypeOnly) &&
    statement.moduleSpecifier !== undefined &&
    ts.isStringLiteral(statement.moduleSpecifier)
      ? [statement.moduleSpecifier.text]
      : [],
  );
}

const staticImports = (file: string): string[] => staticImportsIn(readFileSync(file, 'utf8'));

const resolved = (file: string, specifier: string): string =>
  resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));

const files = sourceFiles(HERE);

test('outside the fakes, destinations import no fake and no I/O module', () => {
  const wrong: string[] = [];
  for (const file of files.filter((f) => !isFake(f))) {
    for (const specifier of staticImports(file)) {
      const fake = specifier.startsWith('.') && isFake(resolved(file, specifier));
      if (fake || IO_MODULES.test(specifier)) wrong.push(`${rel(file)} → ${specifier}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("a platform's fake imports only the fakes' plumbing, never its adapter", () => {
  const fakes = files.filter((f) => f.endsWith('/fake.ts'));
  assert.ok(fakes.length >= 5, 'found the fakes');
  const wrong = fakes.flatMap((file) =>
    staticImports(file)
      .filter((specifier) => specifier.startsWith('.') && !resolved(file, specifier).startsWith(`${FAKES}/`))
      .map((specifier) => `${rel(file)} → ${specifier}`),
  );
  assert.deepEqual(wrong, []);
});

test('the check sees static imports and lets a lazy import() through', () => {
  const source =
    "import { a } from './fake.js';\nimport type { T } from './fakes/common.js';\n" +
    "export { b } from 'node:http';\nconst c = () => import('./fake.js');";
  assert.deepEqual(staticImportsIn(source), ['./fake.js', 'node:http']);
});
