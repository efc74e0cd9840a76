import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { openStorage } from './db.js';
import { StatementCache } from './sqlite-statements.js';

/** The texts `handle` prepares from now on, in order. */
function preparesOf(handle: SQLite.Database): string[] {
  const prepared: string[] = [];
  const prepare = handle.prepare.bind(handle);
  handle.prepare = ((text: string) => {
    prepared.push(text);
    return prepare(text);
  }) as typeof handle.prepare;
  return prepared;
}

/** An in-memory handle whose `prepare` calls are recorded. */
function countingHandle() {
  const database = new SQLite(':memory:');
  return { database, prepared: preparesOf(database) };
}

test('a statement text is prepared once and the same statement is handed out again', () => {
  const { database, prepared } = countingHandle();
  const cache = new StatementCache(database, 4);
  const first = cache.get('select 1 as one');
  assert.equal(cache.get('select 1 as one'), first);
  assert.deepEqual(first.all(), [{ one: 1 }]);
  assert.deepEqual(prepared, ['select 1 as one']);
});

test('the least recently used statement goes when the cache is full', () => {
  const { database, prepared } = countingHandle();
  const cache = new StatementCache(database, 2);
  cache.get('select 1');
  cache.get('select 2');
  cache.get('select 1'); // now the most recent: `select 2` is the oldest
  cache.get('select 3');
  assert.equal(cache.size, 2);
  cache.get('select 1');
  cache.get('select 3');
  assert.deepEqual(prepared, ['select 1', 'select 2', 'select 3'], 'select 1 and 3 stayed');
  cache.get('select 2');
  assert.deepEqual(prepared.slice(3), ['select 2'], 'select 2 was evicted and is prepared again');
  assert.equal(cache.size, 2);
});

test('a statement that does not prepare is not kept', () => {
  const { database, prepared } = countingHandle();
  const cache = new StatementCache(database, 4);
  assert.throws(() => cache.get('selec 1'), /syntax error/);
  assert.throws(() => cache.get('selec 1'), /syntax error/);
  assert.equal(cache.size, 0);
  assert.equal(prepared.length, 2);
});

test('the main connection prepares each query text once, and a kept statement follows schema changes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tb-statements-'));
  const storage = await openStorage({ dataDir: dir });
  try {
    const prepared = preparesOf(storage.sqlite!);
    await sql`create table t (a integer)`.execute(storage.db);
    const insert = (a: number) => sql`insert into t (a) values (${a})`.execute(storage.db);
    const all = async () =>
      (await sql<Record<string, unknown>>`select * from t order by a`.execute(storage.db)).rows;
    const first = await insert(1);
    assert.equal(first.numAffectedRows, 1n);
    assert.equal(first.insertId, 1n);
    const second = await insert(2);
    assert.equal(second.insertId, 2n, 'the kept INSERT reports its own row');
    assert.deepEqual(await all(), [{ a: 1 }, { a: 2 }]);
    // A column added after the SELECT was prepared: SQLite re-prepares it, the rows carry the new column.
    await sql`alter table t add column b text default 'x'`.execute(storage.db);
    assert.deepEqual(await all(), [
      { a: 1, b: 'x' },
      { a: 2, b: 'x' },
    ]);
    // Transactions begin and commit through the same statements.
    await storage.db.transaction().execute(async (trx) => {
      await sql`insert into t (a) values (${3})`.execute(trx);
    });
    await storage.db.transaction().execute(async (trx) => {
      await sql`insert into t (a) values (${4})`.execute(trx);
    });
    assert.equal((await all()).length, 4);
    const counts = new Map<string, number>();
    for (const text of prepared) counts.set(text, (counts.get(text) ?? 0) + 1);
    assert.equal(counts.get('insert into t (a) values (?)'), 1);
    assert.equal(counts.get('select * from t order by a'), 1);
    assert.equal(counts.get('begin immediate'), 1);
    assert.equal(counts.get('commit'), 1);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
