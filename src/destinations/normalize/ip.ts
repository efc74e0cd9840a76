import { isIP } from 'node:net';

/**
 * Addresses that are never a shopper's: private networks, loopback, link-local, carrier-grade NAT,
 * unspecified and multicast. Such an address in an event is the shop server's, a proxy's or a container's
 * (a common cause of low match quality, and of one IP on many shoppers): the platforms get no IP rather
 * than a wrong one. Checked by hand rather than with node:net's BlockList, which cost ~3 µs per address
 * (it runs for every event at ingest and for every delivery); these are fixed ranges.
 */
function isPublicIpv4(ip: string): boolean {
  const dot = ip.indexOf('.');
  const a = Number(ip.slice(0, dot));
  const b = Number(ip.slice(dot + 1, ip.indexOf('.', dot + 1)));
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  return !(a === 192 && b === 168);
}

function isPublicIpv6(ip: string): boolean {
  if (ip === '::' || ip === '::1') return false;
  const first = Number.parseInt(ip.slice(0, ip.indexOf(':')) || '0', 16);
  // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast.
  return (first & 0xfe00) !== 0xfc00 && (first & 0xffc0) !== 0xfe80 && (first & 0xff00) !== 0xff00;
}

/**
 * `1.2.3.4:5678` and `[2001:db8::1]:443` (what some proxies and plugins pass on) as the address and whether
 * a port was there. A bracketed address without a port (`[2001:db8::1]`) loses its brackets only.
 */
export function splitPort(ip: string): { address: string; hadPort: boolean } {
  // Most addresses have no port: a plain IPv4 has no colon, a plain IPv6 several and no bracket.
  const colon = ip.indexOf(':');
  if (colon < 0 || (ip[0] !== '[' && ip.indexOf(':', colon + 1) >= 0)) return { address: ip, hadPort: false };
  const bracketed = /^\[([^\]]+)\](:\d+)?$/.exec(ip);
  if (bracketed?.[1] !== undefined) return { address: bracketed[1], hadPort: bracketed[2] !== undefined };
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(ip);
  return v4WithPort?.[1] !== undefined
    ? { address: v4WithPort[1], hadPort: true }
    : { address: ip, hadPort: false };
}

/**
 * A client IP address as the platforms need it, or undefined: validated (platforms reject malformed ones),
 * without a port, IPv6 lowercased so Reddit's hashed `ip_address` is stable, IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`, what dual-stack sockets report) as the plain IPv4 the browser pixel would have seen,
 * and never an address that cannot be a shopper's (isPublicIpv4/isPublicIpv6).
 */
export function normalizeIp(raw: string): string | undefined {
  let ip = splitPort(raw.trim().toLowerCase()).address;
  if (ip.startsWith('::ffff:')) {
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
    if (mapped?.[1] !== undefined) ip = mapped[1];
  }
  const family = isIP(ip);
  if (family === 0) return undefined;
  return (family === 4 ? isPublicIpv4(ip) : isPublicIpv6(ip)) ? ip : undefined;
}
