import { foldCase } from './text.js';

/**
 * First or last name for Meta, TikTok and Snap: NFC, lowercase, no punctuation, symbols or digits;
 * accented and non-Latin letters kept (Meta: `Valéry` → `valéry`, `정`; Snap: `Raphaël` → `raphaël`).
 * Inner whitespace is collapsed to one space: the platforms say "no punctuation", not "no spaces".
 */
export function normalizeName(raw: string): string | undefined {
  const name = foldCase(raw)
    .replace(/[^\p{L}\p{M}\s]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();
  return name === '' ? undefined : name;
}

/**
 * Pinterest's rule for fn/ln is only "lowercase" (reference §7), so punctuation is kept; a value with
 * no letter at all is still refused.
 */
export function normalizeNameLowercase(raw: string): string | undefined {
  const name = foldCase(raw).replace(/\s+/gu, ' ');
  return /\p{L}/u.test(name) ? name : undefined;
}
