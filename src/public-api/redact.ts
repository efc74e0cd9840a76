/**
 * What the event log may show of a page URL: click ids (fbclid, gclid, ttclid …) identify a person's ad
 * click, and shops sometimes put an e-mail address into a query string. Those parameters are dropped;
 * the rest of the URL (path, UTM parameters) stays.
 */
const CLICK_ID_PARAMETERS = new Set([
  'fbclid',
  'gclid',
  'gbraid',
  'wbraid',
  'dclid',
  'msclkid',
  'ttclid',
  'epik',
  'sccid',
  'rdt_cid',
  'twclid',
  'li_fat_id',
  'igshid',
  'yclid',
  'mc_eid',
  '_kx',
  'email',
  'e-mail',
  'mail',
  'phone',
]);

export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL we can take apart: show nothing rather than something unchecked.
    return '';
  }
  for (const name of [...parsed.searchParams.keys()]) {
    const value = parsed.searchParams.getAll(name).join('');
    if (CLICK_ID_PARAMETERS.has(name.toLowerCase()) || value.includes('@')) parsed.searchParams.delete(name);
  }
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  return parsed.toString();
}
