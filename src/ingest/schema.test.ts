import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { USER_DATA_KEYS } from '../destinations/types.js';
import { UserDataSchema } from './schema.js';

test('the userData schema, the sealed keys and the README name the same personal-data keys', () => {
  assert.deepEqual(Object.keys(UserDataSchema.properties), [...USER_DATA_KEYS]);
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const listed = /- `userData` keys: `([^`]+)`/.exec(readme)?.[1] ?? '';
  const documented = listed.split(',').map((key) => key.trim());
  assert.deepEqual(documented, [...USER_DATA_KEYS]);
});
