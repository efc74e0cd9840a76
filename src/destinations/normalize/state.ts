import { foldCase, lettersAndDigits, lookupKey } from './text.js';

// The 50 states, DC and the inhabited territories (USPS codes), keyed by lookupKey of the name.
const US_STATES: Record<string, string> = {
  alabama: 'al',
  alaska: 'ak',
  arizona: 'az',
  arkansas: 'ar',
  california: 'ca',
  colorado: 'co',
  connecticut: 'ct',
  delaware: 'de',
  districtofcolumbia: 'dc',
  washingtondc: 'dc',
  florida: 'fl',
  georgia: 'ga',
  hawaii: 'hi',
  idaho: 'id',
  illinois: 'il',
  indiana: 'in',
  iowa: 'ia',
  kansas: 'ks',
  kentucky: 'ky',
  louisiana: 'la',
  maine: 'me',
  maryland: 'md',
  massachusetts: 'ma',
  michigan: 'mi',
  minnesota: 'mn',
  mississippi: 'ms',
  missouri: 'mo',
  montana: 'mt',
  nebraska: 'ne',
  nevada: 'nv',
  newhampshire: 'nh',
  newjersey: 'nj',
  newmexico: 'nm',
  newyork: 'ny',
  northcarolina: 'nc',
  northdakota: 'nd',
  ohio: 'oh',
  oklahoma: 'ok',
  oregon: 'or',
  pennsylvania: 'pa',
  rhodeisland: 'ri',
  southcarolina: 'sc',
  southdakota: 'sd',
  tennessee: 'tn',
  texas: 'tx',
  utah: 'ut',
  vermont: 'vt',
  virginia: 'va',
  washington: 'wa',
  westvirginia: 'wv',
  wisconsin: 'wi',
  wyoming: 'wy',
  americansamoa: 'as',
  guam: 'gu',
  northernmarianaislands: 'mp',
  puertorico: 'pr',
  usvirginislands: 'vi',
  virginislands: 'vi',
  unitedstatesminoroutlyingislands: 'um',
  armedforcesamericas: 'aa',
  armedforceseurope: 'ae',
  armedforcespacific: 'ap',
};
const US_CODES = new Set(Object.values(US_STATES));

/**
 * State or region. In the US (or when the country is unknown and the value is a US state) the
 * lowercase 2-letter code, from the code or the full name; a US value that is neither is omitted.
 * Elsewhere: lowercase without punctuation, special characters or spaces (Meta's rule).
 * `country` is an ISO alpha-2 code in any case, or undefined.
 */
export function normalizeState(raw: string, country: string | undefined): string | undefined {
  const upperCountry = country?.toUpperCase();
  const key = lookupKey(raw);
  const usCode = US_CODES.has(key) ? key : US_STATES[key];
  if (upperCountry === 'US') return usCode;
  if (upperCountry === undefined && usCode !== undefined) return usCode;
  const state = lettersAndDigits(foldCase(raw));
  return state === '' ? undefined : state;
}
