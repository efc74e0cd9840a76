/**
 * Which browser origins may call the proxy endpoints of a domain. Pure: the shop URL and the configured
 * extra origins in, a yes or no out.
 *
 * A shop URL names one origin, but shops answer on both the apex and the `www.` host (one redirects to the
 * other), and a shop URL typed as `http://` usually serves its pages over https. An origin the rule misses
 * loses every browser event silently, so the rule allows:
 * - the shop URL's host and its `www.`/apex twin (`acme.com` ⇄ `www.acme.com`), on the shop URL's scheme
 *   and port;
 * - for an `http://` shop URL without a port, the same hosts over https too (never the reverse: an https
 *   shop does not get its plain-http pages, which anyone on the network could script);
 * - every origin of `PROXY_CORS_EXTRA_ORIGINS` (other storefront hosts, staging sites).
 */

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The origins the shop URL stands for, in the form browsers send them (lowercase host, default port omitted). */
export function shopOrigins(shopUrl: string | null): string[] {
  if (!shopUrl) return [];
  let url: URL;
  try {
    url = new URL(shopUrl);
  } catch {
    return [];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return [];
  const host = url.hostname;
  // IP addresses and single-label hosts (localhost) have no www form.
  const hosts =
    IPV4.test(host) || host.startsWith('[') || !host.includes('.')
      ? [host]
      : host.startsWith('www.') && host.slice(4).includes('.')
        ? [host.slice(4), host]
        : [host, `www.${host}`];
  const port = url.port ? `:${url.port}` : '';
  const origins = hosts.map((h) => `${url.protocol}//${h}${port}`);
  if (url.protocol === 'http:' && port === '') origins.push(...hosts.map((h) => `https://${h}`));
  return origins;
}

export function isAllowedProxyOrigin(
  origin: string,
  shopUrl: string | null,
  extraOrigins: readonly string[],
): boolean {
  return extraOrigins.includes(origin) || shopOrigins(shopUrl).includes(origin);
}

/** Response headers a shop's script may read: the rate-limit state and when to retry. */
export const PROXY_EXPOSED_HEADERS =
  'X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After';
