/**
 * The two request headers a cacheable static-like answer looks at (the public feeds, the pixel script):
 * whether the client takes gzip, and whether its cached copy is still current.
 */

/**
 * `gzip` (or `x-gzip`) accepted by `Accept-Encoding`: a named coding decides by its q-value (q=0 refuses),
 * otherwise `*` does.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let star: boolean | null = null;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
    const allowed = q ? Number(q[1]) > 0 : true;
    if (coding.trim() === 'gzip' || coding.trim() === 'x-gzip') return allowed;
    if (coding.trim() === '*') star = allowed;
  }
  return star === true;
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
