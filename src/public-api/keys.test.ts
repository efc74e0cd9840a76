import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiKeyDisplayPrefix, generateApiKey, isWellFormedApiKey, parseScopes } from './keys.js';

test('keys are sp_ + 32 base62 characters, all different', () => {
  const keys = new Set<string>();
  for (let i = 0; i < 200; i += 1) {
    const key = generateApiKey();
    assert.match(key, /^sp_[0-9A-Za-z]{32}$/);
    assert.ok(isWellFormedApiKey(key));
    keys.add(key);
  }
  assert.equal(keys.size, 200);
});

test('malformed keys are recognised without a database lookup', () => {
  for (const bad of [
    '',
    'sp_',
    'sp_short',
    `sk_${'a'.repeat(32)}`,
    `sp_${'a'.repeat(31)}-`,
    `sp_${'a'.repeat(33)}`,
  ]) {
    assert.equal(isWellFormedApiKey(bad), false, bad);
  }
});

test('the display prefix is sp_ and 8 characters; unknown scopes are dropped', () => {
  assert.equal(apiKeyDisplayPrefix('sp_AbCd1234efgh5678ijkl9012mnop3456'), 'sp_AbCd1234');
  assert.deepEqual(parseScopes(['events:read', 'bogus', 'stats:read']), ['events:read', 'stats:read']);
});
