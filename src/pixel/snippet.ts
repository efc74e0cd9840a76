/**
 * The HTML a shop pastes into its pages to load the pixel: a stub that queues calls made before /p.js
 * arrives (the script replays `tagbridge.q`), the init call with the public key, and the async script tag
 * on the domain's proxy host (first party, so ad blockers and Safari's script-cookie cap leave it alone).
 */

/** A single-quoted JS string literal safe inside an inline HTML <script>: no quote, `</script>` or line break escapes it. */
function jsString(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    out += /[A-Za-z0-9_.:-]/.test(ch) ? ch : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
  return `'${out}'`;
}

/** Escapes text for a double-quoted HTML attribute. */
function htmlAttribute(value: string): string {
  return value.replace(/[&"'<>]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * `host` is the domain's proxy host (`t.shop.example`), `key` a `pk_` key, `hash` the script's content hash
 * (the versioned URL is cached for a year; without it the script is cached for five minutes).
 */
export function pixelSnippet(host: string, key: string, hash?: string): string {
  const src = `https://${encodeURI(host)}/p.js${hash ? `?v=${encodeURIComponent(hash)}` : ''}`;
  return (
    '<script>window.tagbridge=window.tagbridge||function(){(tagbridge.q=tagbridge.q||[]).push(arguments)};' +
    `tagbridge('init',{key:${jsString(key)}});</script>` +
    `<script async src="${htmlAttribute(src)}"></script>`
  );
}
