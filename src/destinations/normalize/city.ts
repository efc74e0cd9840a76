import { foldCase, lettersAndDigits } from './text.js';

/** City: lowercase, no punctuation, no spaces, UTF-8 letters kept (Meta: `New York` → `newyork`). */
export function normalizeCity(raw: string): string | undefined {
  const city = lettersAndDigits(foldCase(raw));
  return /\p{L}/u.test(city) ? city : undefined;
}
