import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';

// A trailing extension ("ext. 12", "x12", "#12") is dropped before the letters check below.
const EXTENSION = /[\s,;]*(?:ext\.?|extension|x|#)\s*\d{1,7}\s*$/iu;

function supported(country: string | undefined): CountryCode | undefined {
  const upper = country?.trim().toUpperCase();
  return upper !== undefined && isSupportedCountry(upper) ? upper : undefined;
}

/**
 * Phone number in E.164 (`+16505551212`). National numbers are read in the customer's country, else
 * the shop's default country. A leading `00` is the international prefix; extensions are dropped.
 * Numbers containing letters (vanity numbers, typos) or that cannot exist ("not possible") are
 * omitted. Digits without `+` that are impossible as a national number are tried once as
 * international, because shops often store `4915112345678`.
 */
export function normalizePhone(
  raw: string,
  customerCountry: string | undefined,
  defaultCountry: string | undefined,
): string | undefined {
  let text = raw.normalize('NFKC').trim().replace(EXTENSION, '');
  if (/\p{L}/u.test(text)) return undefined;
  if (!/\d/u.test(text)) return undefined;
  text = text.replace(/^\s*00/u, '+');
  const country = supported(customerCountry) ?? supported(defaultCountry);
  const parsed = parsePhoneNumberFromString(text, country === undefined ? {} : { defaultCountry: country });
  if (parsed?.isPossible() === true) return parsed.number;
  if (text.startsWith('+')) return undefined;
  const digits = text.replace(/\D/gu, '');
  if (digits.length < 8) return undefined;
  const international = parsePhoneNumberFromString(`+${digits}`);
  return international?.isPossible() === true ? international.number : undefined;
}

/** Digits-only form (country code included, no `+`) for Meta, Pinterest and Snap: `16505551212`. */
export function normalizePhoneDigits(
  raw: string,
  customerCountry: string | undefined,
  defaultCountry: string | undefined,
): string | undefined {
  return normalizePhone(raw, customerCountry, defaultCountry)?.slice(1);
}
