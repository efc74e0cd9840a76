import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failedOnItsInput } from './writer.js';

const withCode = (code: string) => Object.assign(new Error('x'), { code });

test("a statement's data errors split the group; the database's own failures do not", () => {
  // PostgreSQL: data exception (22xxx, NUL or bad encoding), integrity (23xxx), program limit (54xxx).
  for (const code of ['22021', '22023', '23505', '54000', 'P0001'])
    assert.equal(failedOnItsInput(withCode(code)), true);
  // PostgreSQL: connection, resources, shutdown, system.
  for (const code of ['08006', '53300', '57P01', '58030'])
    assert.equal(failedOnItsInput(withCode(code)), false);
  // SQLite: a trigger's RAISE or a constraint versus the disk or the lock.
  for (const code of ['SQLITE_CONSTRAINT_TRIGGER', 'SQLITE_TOOBIG', 'SQLITE_MISMATCH']) {
    assert.equal(failedOnItsInput(withCode(code)), true);
  }
  for (const code of ['SQLITE_BUSY', 'SQLITE_IOERR_FSYNC', 'SQLITE_FULL', 'SQLITE_READONLY']) {
    assert.equal(failedOnItsInput(withCode(code)), false);
  }
  assert.equal(failedOnItsInput(withCode('ECONNRESET')), false);
  assert.equal(
    failedOnItsInput(Object.assign(new Error('thread exited'), { outboxUnavailable: true })),
    false,
  );
  assert.equal(failedOnItsInput(new Error('no code')), true);
});
