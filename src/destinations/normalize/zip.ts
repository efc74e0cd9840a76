import { foldCase } from './text.js';

/**
 * Postal code: lowercase, without spaces or dashes (Meta's rule). US ZIP and ZIP+4 keep the first
 * five digits; a US value without five digits is omitted. UK, Dutch and Canadian postcodes keep
 * all their characters (`M1 1AE` → `m11ae`, `1012 AB` → `1012ab`, `K1A 0B6` → `k1a0b6`).
 * `country` (ISO alpha-2, any case) selects the US rule; without it a `12345-6789` shape is
 * read as a US ZIP+4.
 */
export function normalizeZip(raw: string, country: string | undefined): string | undefined {
  const zip = foldCase(raw).replace(/[^\p{L}\p{N}]/gu, '');
  const upperCountry = country?.toUpperCase();
  const looksLikeUsZip = /^\d{5}(?:[-\s]?\d{4})?$/u.test(raw.trim());
  if (upperCountry === 'US' || (upperCountry === undefined && looksLikeUsZip)) {
    return /^\d{5}(?:\d{4})?$/u.test(zip) ? zip.slice(0, 5) : undefined;
  }
  return zip === '' ? undefined : zip;
}

/**
 * Pinterest's `zp` is "only digits": numeric postcodes as above, alphanumeric ones (UK, NL, CA…)
 * omitted because stripping their letters would hash a different, wrong code.
 */
export function normalizeZipDigits(raw: string, country: string | undefined): string | undefined {
  const zip = normalizeZip(raw, country);
  return zip !== undefined && /^\d+$/u.test(zip) ? zip : undefined;
}

/**
 * Google's `postal_code` (GA4 `user_data.address`, sent in clear): trimmed, without `.` and `~`; case and
 * inner spaces kept, because Google's rule says nothing more.
 */
export function normalizeGooglePostalCode(raw: string): string | undefined {
  const code = raw.replace(/[.~]/gu, '').trim();
  return code === '' ? undefined : code;
}
