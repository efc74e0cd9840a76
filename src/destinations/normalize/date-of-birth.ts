/**
 * Accepted layouts (reference §7). Slashes with the year last are read as US month/day/year (Meta's
 * own example is `2/16/1997`); dots with the year last are European day.month.year.
 */
const LAYOUTS: Array<{ pattern: RegExp; order: 'ymd' | 'dmy' | 'mdy' }> = [
  { pattern: /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/u, order: 'ymd' },
  { pattern: /^(\d{4})(\d{2})(\d{2})$/u, order: 'ymd' },
  { pattern: /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/u, order: 'ymd' },
  { pattern: /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/u, order: 'dmy' },
  { pattern: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/u, order: 'mdy' },
];

/**
 * Date of birth as `YYYYMMDD`. The date must exist in the calendar, the year be 1900 or later
 * (Meta's range), and the date not lie after `notAfter` (Unix seconds; callers pass the event
 * time so the result does not depend on the clock).
 */
export function normalizeDateOfBirth(raw: string, notAfter: number): string | undefined {
  const text = raw.trim();
  for (const { pattern, order } of LAYOUTS) {
    const match = pattern.exec(text);
    if (match === null) continue;
    const [a, b, c] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const [year, month, day] = order === 'ymd' ? [a, b, c] : order === 'dmy' ? [c, b, a] : [c, a, b];
    return formatIfValid(year, month, day, notAfter);
  }
  return undefined;
}

function formatIfValid(year: number, month: number, day: number, notAfter: number): string | undefined {
  if (year < 1900 || month < 1 || month > 12 || day < 1) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls Feb 30 over to March: a date that does not round-trip does not exist.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  if (date.getTime() > notAfter * 1000) return undefined;
  return `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
}
