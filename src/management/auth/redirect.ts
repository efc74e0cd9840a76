/**
 * Where a login may send the browser afterwards: a path on the dashboard's own origin only. `//evil.com`,
 * `/\evil.com` and absolute URLs would make the magic link an open redirect. The path comes back in its
 * URL-encoded form: a `Location` header is ASCII, and `/✓` as sent used to fail the callback's answer
 * with a 500 after the magic link had been used.
 */
export function safeRedirectPath(value: string, publicBaseUrl: string): string | null {
  if (value.length > 2048) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  // Control characters and backslashes are read differently by different URL parsers; a real path has none.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  const base = new URL(publicBaseUrl);
  let resolved: URL;
  try {
    resolved = new URL(value, base);
  } catch {
    return null;
  }
  if (resolved.origin !== base.origin) return null;
  const encoded = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  return encoded.length > 2048 ? null : encoded;
}
