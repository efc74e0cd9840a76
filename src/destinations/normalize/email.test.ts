import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  normalizeEmail,
  normalizeGoogleEmail,
  normalizeMicrosoftEmail,
  normalizeRedditEmail,
} from './email.js';

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

describe('normalizeGoogleEmail', () => {
  const cases: Array<[string, string | undefined]> = [
    // Only gmail.com and googlemail.com lose their dots and +suffix.
    [' Jane.Doe+shop@Gmail.com ', 'janedoe@gmail.com'],
    ['j.o.h.n@googlemail.com', 'john@googlemail.com'],
    // Other domains are kept as they are (the reference's GA4 example).
    ['jane.doe+shop@example.com', 'jane.doe+shop@example.com'],
    ['First.Last@Gmail.Co.Uk', 'first.last@gmail.co.uk'],
    ['+tag@gmail.com', undefined],
    ['not an email', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () =>
      assert.equal(normalizeGoogleEmail(input), expected));
  }
});

describe('normalizeMicrosoftEmail', () => {
  const cases: Array<[string, string | undefined]> = [
    // Microsoft strips dots and +alias on every domain.
    ['Jane.Doe+shop@Example.com', 'janedoe@example.com'],
    ['john@contoso.com', 'john@contoso.com'],
    ['first.last+a+b@sub.example.org', 'firstlast@sub.example.org'],
    ['  J.Smith@Gmail.com ', 'jsmith@gmail.com'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['.+x@example.com', undefined],
    ['nope', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () =>
      assert.equal(normalizeMicrosoftEmail(input), expected));
  }
});
