/**
 * PostgreSQL array literals (`{"a","b",NULL,5}`) for values bound as one array per column (`unnest`).
 *
 * `pg` serializes a JavaScript array element by element in JavaScript (a regular expression and a
 * concatenation per element); for the outbox's columns of a 1,000-event group that was ~4 µs per event row,
 * the largest part of the PostgreSQL commit's CPU. The literal is nearly what the native `JSON.stringify`
 * writes: inside double quotes an array literal escapes `"` and `\` with a backslash, as JSON does, and an
 * unquoted `null` is NULL. JSON's other escapes (`\n`, `\t`, `\u0001`, a lone surrogate's `\ud800`) would
 * read differently (PostgreSQL takes `\n` as `n`), so a column with a string JSON would escape that way is
 * left to `pg`'s own serializer (`test/pg-array.test.ts` round-trips both).
 */
import type { BindValue } from './prepared.js';

/**
 * What JSON escapes other than `"` and `\`: control characters, and lone surrogates (any surrogate here, so
 * a string with an emoji takes `pg`'s path: rare in these columns, and still correct). Tested on each string
 * rather than on the JSON: a character class over the one-byte input is ~4× faster than a pattern over the
 * output's backslashes.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const OTHER_ESCAPE = /[\u0000-\u001f\ud800-\udfff]/;

/**
 * The literal of `values` (strings, safe integers and NULLs); any other array is returned as it is, for `pg`
 * to serialize (byte arrays, fractions, strings JSON would escape otherwise).
 */
export function pgArray(values: readonly BindValue[]): string | readonly BindValue[] {
  for (const value of values) {
    if (value === null) continue;
    if (typeof value === 'string') {
      if (OTHER_ESCAPE.test(value)) return values;
    } else if (!(typeof value === 'number' && Number.isSafeInteger(value))) {
      return values;
    }
  }
  const json = JSON.stringify(values);
  return `{${json.slice(1, -1)}}`;
}
