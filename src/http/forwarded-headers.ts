/**
 * Behind a reverse proxy without TRUST_PROXY, every shopper shares the proxy's address: one rate-limit bucket
 * for everybody, and the proxy's IP sent to the platforms as the shopper's. Nothing fails, so nobody would
 * notice; the first request whose forwarding headers are not trusted logs one warning.
 */
import type { FastifyBaseLogger, onRequestHookHandler } from 'fastify';

const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-forwarded-host', 'x-forwarded-proto'] as const;

const CONSEQUENCE =
  "every client appears with the proxy's address (one shared rate-limit bucket; the proxy's IP sent to " +
  "platforms as the shopper's). Behind a reverse proxy, set TRUST_PROXY to the proxy's address (or the number " +
  'of proxies, e.g. 1); ' +
  'see "Deployment" in the README. Logged once.';

/** The warning for headers `names` from `peer`; exported for the tests and the docs. */
export function untrustedForwardingMessage(
  names: readonly string[],
  peer: string,
  listMode: boolean,
): string {
  const why = listMode ? `${peer} is not in TRUST_PROXY` : 'TRUST_PROXY is off';
  return `Ignoring ${names.join(', ')} from ${peer} because ${why}: ${CONSEQUENCE}`;
}

/**
 * How TRUST_PROXY=true is read, logged at start-up: it used to trust every X-Forwarded-For entry, so the
 * client's own left-most entry became its address (rate limits bypassed by rotating it, a made-up IP sent
 * to the platforms). One hop is what a single reverse proxy means; more proxies need their count or list.
 */
export const TRUST_PROXY_TRUE_NOTE =
  'TRUST_PROXY=true is read as 1 hop: the client address is the right-most X-Forwarded-For entry (the one ' +
  'your reverse proxy appended). With more proxies in front (a CDN and a load balancer), set TRUST_PROXY to ' +
  'their number (e.g. 2) or to their addresses; see "Deployment" in the README.';

/** An onRequest hook logging the warning once; null when TRUST_PROXY counts hops (the peer is always trusted). */
export function untrustedForwardingWarning(
  trustProxy: false | number | string[],
  log: FastifyBaseLogger,
): onRequestHookHandler | null {
  if (typeof trustProxy === 'number') return null;
  const listMode = Array.isArray(trustProxy);
  let warned = false;
  return (request, _reply, done) => {
    if (!warned) {
      const peer = request.socket.remoteAddress ?? 'unknown';
      // With a list, X-Forwarded-For from a listed proxy moves request.ip; unmoved means the peer is not listed.
      const present = listMode
        ? request.headers['x-forwarded-for'] !== undefined && request.ip === peer
          ? ['x-forwarded-for']
          : []
        : FORWARDING_HEADERS.filter((name) => request.headers[name] !== undefined);
      if (present.length > 0) {
        warned = true;
        log.warn({ headers: present, peer }, untrustedForwardingMessage(present, peer, listMode));
      }
    }
    done();
  };
}
