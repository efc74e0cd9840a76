/**
 * The outbox's PostgreSQL array literals (src/storage/pg-array.ts) read back as exactly the values written,
 * through PostgreSQL's own parser: the literal built from JSON where it can be, and `pg`'s serializer where
 * JSON's escapes would read differently.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { pgArray } from '../src/storage/pg-array.js';
import { dialect, pgUrl } from './harness.js';

const skip =
  dialect !== 'postgres' && 'reads literals back through PostgreSQL (this file runs in the PostgreSQL pass)';

describe('PostgreSQL array literals of the outbox', { skip }, () => {
  let client: pg.Client;
  before(async () => {
    client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
  });
  after(async () => {
    await client?.end();
  });

  async function textsBack(values: (string | null)[]): Promise<(string | null)[]> {
    const result = await client.query<{ v: string | null }>(
      'select v from unnest($1::text[]) with ordinality as t(v, n) order by n',
      [pgArray(values)],
    );
    return result.rows.map((row) => row.v);
  }

  test('plain strings, quotes, backslashes, separators and NULLs take the JSON literal and read back as written', async () => {
    const values = [
      'Purchase',
      '',
      ' spaced ',
      'say "hi"',
      'C:\\path\\',
      '\\"',
      'a,b{c}d',
      'NULL',
      'null',
      null,
      '{"currency":"EUR","contents":[{"id":"SKU \\"1\\""}]}',
      'ünïcødé 日本',
    ];
    assert.equal(
      typeof pgArray(values),
      'string',
      'these need no escape JSON and PostgreSQL read differently',
    );
    assert.deepEqual(await textsBack(values), values);
  });

  test('control characters and surrogates are left to pg, and still read back as written', async () => {
    const values = ['line\nbreak', 'tab\there', 'bell\u0007', 'C:\\new', 'emoji 😀', 'ok'];
    assert.ok(Array.isArray(pgArray(values)), 'JSON would write \\n, which PostgreSQL reads as n');
    assert.deepEqual(await textsBack(values), values);
    assert.ok(Array.isArray(pgArray(['\ud800'])), 'a lone surrogate is written \\ud800 by JSON');
    // A backslash before a letter is an escaped backslash in JSON, which PostgreSQL reads alike.
    assert.equal(pgArray(['C:\\new', 'x\\\\n']), '{"C:\\\\new","x\\\\\\\\n"}');
    assert.deepEqual(await textsBack(['C:\\new', 'x\\\\n', '\\']), ['C:\\new', 'x\\\\n', '\\']);
  });

  test('integers and NULLs go unquoted; fractions and byte arrays are left to pg', async () => {
    const numbers = [0, -1, 1_765_000_000_000, null, Number.MAX_SAFE_INTEGER];
    assert.equal(pgArray(numbers), '{0,-1,1765000000000,null,9007199254740991}');
    const back = await client.query<{ v: string | null }>(
      'select v::text from unnest($1::int8[]) with ordinality as t(v, n) order by n',
      [pgArray(numbers)],
    );
    assert.deepEqual(
      back.rows.map((row) => row.v),
      numbers.map((n) => (n === null ? null : String(n))),
    );
    assert.ok(Array.isArray(pgArray([1.5])));
    assert.ok(Array.isArray(pgArray([Buffer.from([1, 2])])));
    assert.equal(pgArray([]), '{}');
  });
});
