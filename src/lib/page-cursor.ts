/**
 * The position of a keyset page (a time and a row id) as an opaque cursor: base64url of `<time>:<id>`.
 * Every paginated list (the event log, the public API's events, the audit log, the attribution report)
 * uses this one form. Clients pass it back unchanged; decoding checks the shape, so a forged cursor can
 * name a position and nothing else (the org and filters come from the request).
 */

export interface PagePosition {
  /** Milliseconds: the list's sort time. */
  at: number;
  id: string;
}

export function encodePageCursor(position: PagePosition): string {
  return Buffer.from(`${position.at}:${position.id}`, 'utf8').toString('base64url');
}

/** The position, or null when `value` is not a cursor of rows whose ids start with `<idPrefix>_`. */
export function decodePageCursor(value: string, idPrefix: string): PagePosition | null {
  const match = /^(\d{1,16}):([a-z]+_[0-9a-z]{1,64})$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
  if (!match || !match[2]!.startsWith(`${idPrefix}_`)) return null;
  const at = Number(match[1]);
  return Number.isSafeInteger(at) ? { at, id: match[2]! } : null;
}
