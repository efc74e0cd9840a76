import codes from 'i18n-iso-countries/codes.json' with { type: 'json' };
import de from 'i18n-iso-countries/langs/de.json' with { type: 'json' };
import en from 'i18n-iso-countries/langs/en.json' with { type: 'json' };
import es from 'i18n-iso-countries/langs/es.json' with { type: 'json' };
import fr from 'i18n-iso-countries/langs/fr.json' with { type: 'json' };
import it from 'i18n-iso-countries/langs/it.json' with { type: 'json' };
import nl from 'i18n-iso-countries/langs/nl.json' with { type: 'json' };
import pl from 'i18n-iso-countries/langs/pl.json' with { type: 'json' };
import pt from 'i18n-iso-countries/langs/pt.json' with { type: 'json' };
import sv from 'i18n-iso-countries/langs/sv.json' with { type: 'json' };
import { lookupKey } from './text.js';

interface LocaleData {
  countries: Record<string, string | string[]>;
}

// English first: when two locales spell different countries alike, the English reading wins.
// The languages are those of the shops Tagbridge serves most (WooCommerce's largest markets).
const LOCALES: LocaleData[] = [en, de, fr, es, it, nl, pt, pl, sv];

// Common spellings the locale files lack. `UK` is not an ISO code but is what people type.
const ALIASES: Record<string, string> = {
  uk: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  northernireland: 'GB',
  britain: 'GB',
  america: 'US',
  unitedstatesofamerica: 'US',
  holland: 'NL',
  czechia: 'CZ',
};

const ALPHA2 = new Set<string>();
const ALPHA3_TO_ALPHA2 = new Map<string, string>();
for (const [alpha2, alpha3] of codes as unknown as Array<[string, string, ...string[]]>) {
  ALPHA2.add(alpha2);
  ALPHA3_TO_ALPHA2.set(alpha3, alpha2);
}

const BY_NAME = new Map<string, string>(Object.entries(ALIASES));
for (const locale of LOCALES) {
  for (const [alpha2, names] of Object.entries(locale.countries)) {
    for (const name of Array.isArray(names) ? names : [names]) {
      const key = lookupKey(name);
      if (key !== '' && !BY_NAME.has(key)) BY_NAME.set(key, alpha2);
    }
  }
}

/**
 * ISO 3166-1 alpha-2 in upper case (the form phone parsing wants) from an alpha-2 or alpha-3 code or
 * a country name in one of the common shop languages; undefined when unknown.
 */
export function countryCode(raw: string): string | undefined {
  const text = raw.trim();
  const upper = text.toUpperCase();
  if (/^[A-Z]{2}$/u.test(upper)) return ALPHA2.has(upper) ? upper : ALIASES[upper.toLowerCase()];
  if (/^[A-Z]{3}$/u.test(upper) && ALPHA3_TO_ALPHA2.has(upper)) return ALPHA3_TO_ALPHA2.get(upper);
  return BY_NAME.get(lookupKey(text));
}

/** Country as every platform wants it: lowercase ISO alpha-2 (`United States` → `us`). */
export function normalizeCountry(raw: string): string | undefined {
  return countryCode(raw)?.toLowerCase();
}
