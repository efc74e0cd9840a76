import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeRedirectPath } from './redirect.js';

const BASE = 'https://tagbridge.example.com';

test('same-site paths pass as they are', () => {
  for (const path of ['/', '/domains', '/domains/dom_1?tab=destinations#top', '/a/b%2Fc']) {
    assert.equal(safeRedirectPath(path, BASE), path);
  }
});

test('anything that could leave the site is refused', () => {
  for (const value of [
    '',
    'domains',
    '//evil.example/x',
    '/\\evil.example',
    '\\\\evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    '/\tevil',
    '/%0d%0aSet-Cookie:x'.replace('%0d%0a', '\r\n'),
    `/${'a'.repeat(2048)}`,
  ]) {
    assert.equal(safeRedirectPath(value, BASE), null, JSON.stringify(value));
  }
});
