/**
 * Listening and closing for the in-process fake servers (destination platforms, stores): the one place
 * that turns a listening address into an origin and ends the connections a test left open.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens (port 0: any free one; default host 127.0.0.1) and resolves with the origin, e.g. `http://127.0.0.1:40123`. */
export async function listenLocal(
  server: Server,
  options: { host?: string; port?: number } = {},
): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Stops listening and ends every open connection (keep-alive sockets, requests a fake left hanging). */
export function closeLocal(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
