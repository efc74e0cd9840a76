import { isIP } from 'node:net';

/**
 * A client IP address, validated (platforms reject malformed ones). IPv6 is lowercased so Reddit's
 * hashed `ip_address` is stable; IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what dual-stack sockets report)
 * becomes the plain IPv4 the browser pixel would have seen.
 */
export function normalizeIp(raw: string): string | undefined {
  let ip = raw.trim().toLowerCase();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  if (mapped?.[1] !== undefined) ip = mapped[1];
  return isIP(ip) === 0 ? undefined : ip;
}
