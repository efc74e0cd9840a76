/** Product text as feeds want it: plain, entities decoded, whitespace collapsed. */
import { decodeHTML } from 'entities';

/** HTML to one line of plain text: scripts and styles dropped, tags removed, entities decoded. */
export function htmlToText(html: string | null | undefined): string {
  if (!html) return '';
  const withoutCode = html.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ');
  // Block ends and line breaks separate words that the markup alone kept apart.
  const spaced = withoutCode.replace(
    /<\/?(p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|blockquote)\b[^>]*>/gi,
    ' ',
  );
  const stripped = spaced.replace(/<!--[\s\S]*?-->/g, '').replace(/<[^>]*>/g, '');
  // Decoded after stripping: `&lt;b&gt;` is text, not a tag.
  return decodeHTML(stripped).replace(/\s+/g, ' ').trim();
}

/** A trimmed non-empty string, or null. */
export function nonEmpty(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** A decimal price string ("9.00"), or null for "" and anything not a price. */
export function priceOf(value: unknown): string | null {
  const text = nonEmpty(value);
  return text !== null && /^\d+(\.\d+)?$/.test(text) ? text : null;
}
