/**
 * External ids are the shop's own customer ids: trimmed, case kept, because they must hash to the
 * same value as when the browser pixel (or another channel) sends them.
 */
export function normalizeExternalId(raw: string): string | undefined {
  const id = raw.trim();
  return id === '' ? undefined : id;
}
