/**
 * Storage owns its SQL, and only its SQL: files under src/storage/ import nothing of the application but
 * storage itself and src/lib/ (not the destination registry, not config.ts), and Kysely queries are built
 * nowhere else. Both read the source text, so they stay true as files are added.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { sourceFiles } from '../../test/source-files.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

/** Repository-relative path with forward slashes (stable in messages on every platform). */
const rel = (path: string): string => relative(root, path).split(sep).join('/');

/** Every module specifier a file names: static imports, re-exports, `import type`, dynamic `import()`. */
function importsOf(path: string): string[] {
  const info = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
  return info.importedFiles.map((file) => file.fileName);
}

/** The specifiers of the imports that stay in the compiled JavaScript (not `import type`, not all-`type` names). */
function valueImportsOf(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
  const out: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
    if (!statement.moduleSpecifier || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      const named = clause?.namedBindings;
      const onlyTypes =
        clause &&
        !clause.name &&
        named &&
        ts.isNamedImports(named) &&
        named.elements.every((e) => e.isTypeOnly);
      if (onlyTypes) continue;
    } else if (statement.isTypeOnly) continue;
    out.push(statement.moduleSpecifier.text);
  }
  return out;
}

/** The packages a module loads at run time, through every file of ours it imports. */
function packagesLoadedBy(entry: string): string[] {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of valueImportsOf(file)) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier).replace(/\.js$/, '.ts'));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return [...packages].sort();
}

describe('storage boundaries', () => {
  it("the outbox's writer thread loads better-sqlite3 and nothing of the query layer", () => {
    // Kysely (~260 modules) would cost every writer thread's isolate a few MB: the main thread compiles the SQL.
    // node:crypto hashes the dedup keys (dedup-key.ts).
    assert.deepEqual(packagesLoadedBy(join(src, 'storage', 'outbox-worker.ts')), [
      'better-sqlite3',
      'node:crypto',
      'node:worker_threads',
    ]);
  });

  it('storage imports only storage, src/lib/ and packages', () => {
    const storage = join(src, 'storage');
    const allowed = [storage, join(src, 'lib')].map((dir) => `${rel(dir)}/`);
    const violations: string[] = [];
    const files = sourceFiles(storage);
    assert.ok(files.length > 10, 'found the storage sources');
    for (const file of files) {
      for (const specifier of importsOf(file)) {
        // Bare specifiers are node built-ins and npm packages.
        if (!specifier.startsWith('.') && !specifier.startsWith('/')) continue;
        const target = rel(resolve(dirname(file), specifier));
        if (!allowed.some((dir) => target.startsWith(dir))) {
          violations.push(`${rel(file)} imports ${specifier}`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it('finds an import from outside storage (the check itself works)', () => {
    const info = ts.preProcessFile(
      "import { getDestination } from '../../destinations/registry.js';\n" +
        "import type { Plan } from '../../config.js';\n" +
        "export { x } from './y.js';\nconst m = await import('../z.js');",
      true,
      true,
    );
    assert.deepEqual(
      info.importedFiles.map((f) => f.fileName),
      ['../../destinations/registry.js', '../../config.js', './y.js', '../z.js'],
    );
  });
});

/** Kysely query builders and the `sql` template tag (with or without a type argument). */
const QUERY = /\.(?:selectFrom|insertInto|updateTable|deleteFrom)\(|\bsql(?:<[^`>]*>)?`/;

function queriesIn(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line, i) => (QUERY.test(line) ? [`${rel(path)}:${i + 1}: ${line.trim()}`] : []));
}

describe('SQL lives in storage', () => {
  const outside = sourceFiles(src).filter(
    (file) => !rel(file).startsWith('src/storage/') && !file.endsWith('.test.ts'),
  );

  it('no query outside src/storage/', () => {
    assert.deepEqual(
      outside.flatMap((file) => queriesIn(file)),
      [],
    );
  });

  it('recognises every kind of query (the check itself works)', () => {
    for (const line of [
      'await db.selectFrom("orgs")',
      '  .insertInto("events")',
      'trx.updateTable("destinations")',
      'db.deleteFrom("sessions")',
      'sql`now()`',
      'sql<number>`0`',
    ]) {
      assert.ok(QUERY.test(line), line);
    }
    assert.ok(!QUERY.test("import { sql } from 'kysely';"));
  });
});
