/** Unicode text helpers shared by the normalizers. */

/** Trim, compose (NFC) and lowercase; composing first makes `e`+combining acute equal `é`. */
export function foldCase(value: string): string {
  return value.normalize('NFC').trim().toLowerCase().normalize('NFC');
}

/** Keep only letters, combining marks and digits (drops spaces, punctuation and symbols). */
export function lettersAndDigits(value: string): string {
  return value.replace(/[^\p{L}\p{M}\p{N}]/gu, '');
}

/** Strip diacritics and non-alphanumerics: a lookup key for names in tables (countries, states). */
export function lookupKey(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}
