/**
 * The first-party cookies of the collect response: which domain they are set on and with which attributes.
 * Serialising and parsing are @fastify/cookie's (`reply.setCookie`, `request.cookies`); this module only
 * decides the attributes, so it stays free of the framework.
 *
 * Every cookie is `Path=/; Max-Age=…; SameSite=Lax; Secure`, and not HttpOnly: the shop's own server and
 * the platforms' pixels read them. The domain is the registrable domain of the Tagbridge host the browser
 * called (`t.shop.example` → `Domain=shop.example`), so the cookies are the shop's own, on every
 * subdomain; an IP address or a single-label host (`localhost`) gets a host-only cookie.
 */
import { getDomain, parse } from 'tldts';
import { normalizeHost } from '../storage/repos/domains.js';

/** `name=value`, kept (`maxAgeSeconds` > 0, which also renews it) or expired (0). */
export interface PixelCookie {
  name: string;
  value: string;
  maxAgeSeconds: number;
}

/** The attributes @fastify/cookie's `setCookie` takes for a pixel cookie. */
export interface PixelCookieAttributes {
  domain?: string;
  path: '/';
  maxAge: number;
  sameSite: 'lax';
  secure: true;
  httpOnly: false;
}

/**
 * The registrable domain for the `Domain=` attribute of cookies set in answer to a request to `host`;
 * undefined for a host-only cookie. Private suffixes count as public here (`shop.myshopify.com` stays
 * itself: browsers refuse a cookie for `myshopify.com`). `*.localhost` is handled like any name under an
 * unlisted TLD: `t.shop.localhost` → `shop.localhost`.
 */
export function cookieDomain(host: string): string | undefined {
  const name = normalizeHost(host);
  if (name === '' || name.startsWith('[')) return undefined;
  const parsed = parse(name, { allowPrivateDomains: true });
  if (parsed.isIp) return undefined;
  return getDomain(name, { allowPrivateDomains: true }) ?? undefined;
}

export function cookieAttributes(domain: string | undefined, maxAgeSeconds: number): PixelCookieAttributes {
  return {
    ...(domain ? { domain } : {}),
    path: '/',
    maxAge: maxAgeSeconds,
    sameSite: 'lax',
    secure: true,
    httpOnly: false,
  };
}

/**
 * The cookies the request carries: the Cookie header's, then what the script read from `document.cookie`
 * for names the header lacks (a browser may withhold cookies from the request but not from the page).
 */
export function mergeCookies(
  header: Readonly<Record<string, string | undefined>>,
  body: Readonly<Record<string, string | undefined>> | undefined,
): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(body ?? {})) {
    if (typeof value === 'string' && value !== '') merged[name] = value;
  }
  for (const [name, value] of Object.entries(header)) {
    if (typeof value === 'string' && value !== '') merged[name] = value;
  }
  return merged;
}
