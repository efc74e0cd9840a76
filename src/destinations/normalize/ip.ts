import { BlockList, isIP } from 'node:net';

/**
 * Addresses that are never a shopper's: private networks, loopback, link-local, carrier-grade NAT,
 * unspecified and multicast. Such an address in an event is the shop server's, a
 * proxy's or a container's (a common cause of low match quality, and of one IP on many shoppers): the
 * platforms get no IP rather than a wrong one.
 */
const NOT_A_SHOPPER = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 3],
] as const) {
  NOT_A_SHOPPER.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NOT_A_SHOPPER.addSubnet(network, prefix, 'ipv6');
}

/** `1.2.3.4:5678` and `[2001:db8::1]:443` (what some proxies and plugins pass on) without the port. */
function withoutPort(ip: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(ip);
  return v4WithPort?.[1] ?? ip;
}

/**
 * A client IP address as the platforms need it, or undefined: validated (platforms reject malformed ones),
 * without a port, IPv6 lowercased so Reddit's hashed `ip_address` is stable, IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`, what dual-stack sockets report) as the plain IPv4 the browser pixel would have seen,
 * and never an address that cannot be a shopper's (NOT_A_SHOPPER).
 */
export function normalizeIp(raw: string): string | undefined {
  let ip = withoutPort(raw.trim().toLowerCase());
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  if (mapped?.[1] !== undefined) ip = mapped[1];
  const family = isIP(ip);
  if (family === 0) return undefined;
  return NOT_A_SHOPPER.check(ip, family === 4 ? 'ipv4' : 'ipv6') ? undefined : ip;
}
