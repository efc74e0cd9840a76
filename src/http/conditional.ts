/**
 * The two request headers a cacheable static-like answer looks at (the public feeds, the pixel script, the
 * dashboard's assets): which compression the client takes, and whether its cached copy is still current.
 */

/**
 * Whether `Accept-Encoding` takes one of `names` (aliases of one coding): a named coding decides by its
 * q-value (q=0 refuses), otherwise `*` does.
 */
function acceptsCoding(header: string | undefined, names: readonly string[]): boolean {
  if (!header) return false;
  let star: boolean | null = null;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
    const allowed = q ? Number(q[1]) > 0 : true;
    if (names.includes(coding.trim())) return allowed;
    if (coding.trim() === '*') star = allowed;
  }
  return star === true;
}

/** `gzip` (or `x-gzip`) accepted by `Accept-Encoding`. */
export function acceptsGzip(header: string | undefined): boolean {
  return acceptsCoding(header, ['gzip', 'x-gzip']);
}

/** `br` accepted by `Accept-Encoding` (the dashboard's precompressed assets). */
export function acceptsBrotli(header: string | undefined): boolean {
  return acceptsCoding(header, ['br']);
}

/** Whether `If-None-Match` names `etag` (weak comparison; `*` matches anything). */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === bare;
  });
}
