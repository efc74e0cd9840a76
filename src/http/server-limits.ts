/**
 * The HTTP server's defences against connections that cost without ever finishing a request. Fastify sets
 * Node's request timeout to 0 (never), so a client sending its body a byte at a time held a connection (and
 * its buffers) for as long as it liked: 300 of them stayed open for 75 s in a probe. Here:
 * - headers must arrive within HTTP_HEADERS_TIMEOUT_MS, the whole request within HTTP_REQUEST_TIMEOUT_MS
 *   (Node answers 408 and closes), an idle keep-alive connection closes after HTTP_KEEP_ALIVE_TIMEOUT_MS;
 * - one client address holds at most HTTP_MAX_CONNECTIONS_PER_IP open connections; further ones are closed
 *   as they are accepted, while other clients are served as usual. The cap is about direct clients: a
 *   trusted reverse proxy (TRUST_PROXY) carries everybody's traffic, so its connections are not capped (with
 *   a hop count every peer is a proxy, so there is no cap; the proxy must limit its own clients).
 */
import type { Server, ServerOptions } from 'node:http';
import { BlockList, isIP, type Socket } from 'node:net';
import type { Config } from '../config.js';

/** Node checks its header and request timeouts on an interval (30 s by default): often enough to be on time. */
function checkingIntervalMs(limits: Config['http']): number {
  return Math.max(
    50,
    Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)),
  );
}

/** Fastify's server options for `limits` (spread into `Fastify({...})`). */
export function serverTimeoutOptions(limits: Config['http']): {
  requestTimeout: number;
  keepAliveTimeout: number;
  http: ServerOptions;
} {
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs(limits),
    },
  };
}

/** `::ffff:10.0.0.2` (an IPv4 client on a dual-stack socket) is 10.0.0.2. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function trustedProxies(trustProxy: Config['trustProxy']): BlockList | null {
  if (!Array.isArray(trustProxy)) return null;
  const list = new BlockList();
  for (const entry of trustProxy) {
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/**
 * Caps open connections per client address on `server`. Returns the live count per address (tests and
 * diagnostics read it); the map only holds addresses with an open connection.
 */
export function capConnectionsPerIp(
  server: Server,
  config: Pick<Config, 'http' | 'trustProxy'>,
  onRefused?: (address: string) => void,
): Map<string, number> {
  const open = new Map<string, number>();
  const cap = config.http.maxConnectionsPerIp;
  if (cap === 0 || typeof config.trustProxy === 'number') return open;
  const proxies = trustedProxies(config.trustProxy);
  server.on('connection', (socket: Socket) => {
    const raw = socket.remoteAddress;
    if (!raw) return;
    const address = plainAddress(raw);
    if (proxies?.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6')) return;
    const count = open.get(address) ?? 0;
    if (count >= cap) {
      onRefused?.(address);
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  return open;
}
