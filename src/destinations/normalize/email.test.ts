import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeEmail, normalizeRedditEmail } from './email.js';

describe('normalizeEmail', () => {
  const cases: Array<[string, string | undefined]> = [
    ['John_Smith@gmail.com', 'john_smith@gmail.com'],
    ['  Person@Example.com\n', 'person@example.com'],
    ['ALICE+shop@EXAMPLE.CO.UK', 'alice+shop@example.co.uk'],
    ['first.last@sub.example.org', 'first.last@sub.example.org'],
    // Composed and decomposed ü give the same address.
    ['m\u0075\u0308ller@example.de', 'müller@example.de'],
    ['müller@example.de', 'müller@example.de'],
    ['no-at-sign.example.com', undefined],
    ['two words@example.com', undefined],
    ['user@localhost', undefined],
    ['@example.com', undefined],
    ['user@', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () => assert.equal(normalizeEmail(input), expected));
  }
});

describe('normalizeRedditEmail', () => {
  const cases: Array<[string, string | undefined]> = [
    // Reddit's documented example.
    ['Al.ice$+Apple@Example.Com', 'alice@example.com'],
    ['first.last@gmail.com', 'firstlast@gmail.com'],
    ['first.last+promo+x@company.io', 'firstlast@company.io'],
    ["o'brien-smith@example.ie", 'obriensmith@example.ie'],
    ['  Bob_99@Example.COM ', 'bob99@example.com'],
    ['+tag@example.com', undefined],
    ['...@example.com', undefined],
    ['not an email', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () =>
      assert.equal(normalizeRedditEmail(input), expected));
  }
});
