import { foldCase } from './text.js';

const FEMALE = new Set(['f', 'female', 'woman', 'w', 'weiblich', 'femme', 'femenino', 'mujer']);
const MALE = new Set(['m', 'male', 'man', 'männlich', 'maennlich', 'homme', 'masculino', 'hombre']);
const NON_BINARY = new Set(['n', 'x', 'nonbinary', 'non-binary', 'non binary', 'divers', 'diverse']);

/**
 * Gender as a single letter: `f` or `m` everywhere; Pinterest also accepts `n` (non-binary), the
 * others have no code for it, so it is omitted there.
 */
export function normalizeGender(raw: string, options: { nonBinary?: boolean } = {}): string | undefined {
  const value = foldCase(raw).replace(/[.\s]+$/u, '');
  if (FEMALE.has(value)) return 'f';
  if (MALE.has(value)) return 'm';
  if (options.nonBinary === true && NON_BINARY.has(value)) return 'n';
  return undefined;
}
