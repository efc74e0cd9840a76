/**
 * User-supplied text (an org name) inside a plain-text mail Tagbridge sends to someone else: it must not
 * be able to add header lines or paragraphs, pose as a link, or reverse the text around it. Such text never
 * goes into a subject; in a body it passes through here.
 */

// C0 and C1 controls, line and paragraph separators (CR/LF among them).
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
// Bidirectional overrides and isolates: they reorder what the reader sees.
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f]/g;
// `scheme://`, `www.`, and `name.tld` (a letter TLD): what mail clients turn into links.
const SCHEME = /([a-z][a-z0-9+.-]*):\/\//gi;
const DOTTED = /([\p{L}\p{N}-])\.(?=[\p{L}]{2,}\b)/gu;

/**
 * `value` as one neutral line: controls become spaces, bidi controls are dropped, whitespace collapses,
 * URLs and domain names are defanged (`https[:]//evil[.]example`, so no client makes them clickable), and
 * the result is cut at `maxLength` characters.
 */
export function plainMailText(value: string, maxLength = 100): string {
  let text = value.replace(CONTROL, ' ').replace(BIDI, '').replace(/\s+/g, ' ').trim();
  text = text.replace(SCHEME, '$1[:]//').replace(DOTTED, '$1[.]');
  const chars = [...text];
  return chars.length > maxLength ? `${chars.slice(0, maxLength - 1).join('')}…` : text;
}
