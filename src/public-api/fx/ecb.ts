/**
 * Parser of the ECB's reference-rate XML (eurofxref-daily.xml, and the -hist files with several days):
 * `<Cube time='YYYY-MM-DD'>` holding `<Cube currency='USD' rate='1.1476'/>`. The format has been stable
 * since 1999; a small scanner avoids an XML dependency and rejects anything that does not look like it.
 */

export interface EcbDay {
  /** YYYY-MM-DD */
  date: string;
  /** Units of the currency per 1 EUR, as published (decimal string). */
  rates: Record<string, string>;
}

export class EcbFormatError extends Error {}

const CUBE_TAG = /<(?:[A-Za-z][\w.-]*:)?Cube\b([^>]*?)(\/?)>/g;
const ATTRIBUTE = /([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(ATTRIBUTE)) out[m[1]!] = m[2] ?? m[3] ?? '';
  return out;
}

function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

/** The days in the document, newest first as the ECB lists them. Throws EcbFormatError on anything else. */
export function parseEcbXml(xml: string): EcbDay[] {
  if (!/<(?:[A-Za-z][\w.-]*:)?Envelope\b/.test(xml))
    throw new EcbFormatError('not an ECB reference-rate document');
  const days: EcbDay[] = [];
  let current: EcbDay | null = null;
  for (const m of xml.matchAll(CUBE_TAG)) {
    const attrs = attributes(m[1] ?? '');
    if (attrs.time !== undefined) {
      if (!isCalendarDate(attrs.time)) throw new EcbFormatError(`invalid date "${attrs.time}"`);
      current = { date: attrs.time, rates: {} };
      days.push(current);
      continue;
    }
    if (attrs.currency === undefined) continue;
    if (!current) throw new EcbFormatError('a rate outside a dated Cube');
    const currency = attrs.currency;
    const rate = attrs.rate ?? '';
    if (!/^[A-Z]{3}$/.test(currency)) throw new EcbFormatError(`invalid currency "${currency}"`);
    if (!/^\d+(\.\d+)?$/.test(rate) || Number(rate) <= 0) {
      throw new EcbFormatError(`invalid rate "${rate}" for ${currency}`);
    }
    current.rates[currency] = rate;
  }
  if (days.length === 0 || days.every((d) => Object.keys(d.rates).length === 0)) {
    throw new EcbFormatError('no rates in the document');
  }
  return days.filter((d) => Object.keys(d.rates).length > 0);
}
