/**
 * Behind a reverse proxy without TRUST_PROXY, every shopper shares the proxy's address: one rate-limit bucket
 * for everybody, and the proxy's IP sent to the platforms as the shopper's. Nothing fails, so nobody would
 * notice; the first request whose forwarding headers are not trusted logs one warning.
 */
import type { FastifyBaseLogger, onRequestHookHandler } from 'fastify';

const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-forwarded-host', 'x-forwarded-proto'] as const;

const CONSEQUENCE =
  "every client appears with the proxy's address (one shared rate-limit bucket; the proxy's IP sent to " +
  "platforms as the shopper's). Behind a reverse proxy, set TRUST_PROXY to the proxy's address (or true); " +
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

/** An onRequest hook logging the warning once; null when TRUST_PROXY trusts every peer. */
export function untrustedForwardingWarning(
  trustProxy: boolean | string[],
  log: FastifyBaseLogger,
): onRequestHookHandler | null {
  if (trustProxy === true) return null;
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
