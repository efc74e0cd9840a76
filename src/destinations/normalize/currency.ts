/** ISO 4217 code, upper case. Anything else is omitted (Meta rejects the whole batch on a bad one). */
export function normalizeCurrency(raw: string): string | undefined {
  const code = raw.trim().toUpperCase();
  return /^[A-Z]{3}$/.test(code) ? code : undefined;
}
