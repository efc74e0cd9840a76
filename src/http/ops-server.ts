/**
 * The small listener for what an orchestrator and a scraper ask a node: `/health` on a worker's PORT (a
 * worker loads no Fastify app, so node:http and nothing else), and `/metrics` on a worker's PORT behind
 * METRICS_TOKEN or on METRICS_PORT (any role). Who may read metrics: metrics-access.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import { errorBody } from '../errors.js';
import type { Storage } from '../storage/db.js';
import { type MetricsListener, metricsAccess } from './metrics-access.js';

export interface OpsServerOptions {
  config: Pick<Config, 'metrics' | 'management'>;
  /** Which listener this is: `port` (a worker's PORT: /health and maybe /metrics) or `metrics-port`. */
  listener: MetricsListener;
  /** Answers /health (the worker's PORT); without it /health is a 404. */
  storage?: Pick<Storage, 'ping'>;
  metrics: { contentType: string; text(): Promise<string> };
  isProxyHost: (host: string) => Promise<boolean>;
}

export type HealthAnswer =
  | { status: 200; body: { status: 'ok' } }
  | { status: 503; body: { status: 'unavailable'; reason: string } };

/** Readiness as the API node's /health answers it: the database answers a ping. */
export async function checkHealth(storage: Pick<Storage, 'ping'>): Promise<HealthAnswer> {
  try {
    await storage.ping();
    return { status: 200, body: { status: 'ok' } };
  } catch (error) {
    return { status: 503, body: { status: 'unavailable', reason: `database: ${(error as Error).message}` } };
  }
}

export interface OpsServer {
  /** `http://host:port` once listening. */
  address: string;
  close(): Promise<void>;
}

export async function startOpsServer(
  options: OpsServerOptions,
  listen: { port: number; host: string },
): Promise<OpsServer> {
  const server = createServer((request, response) => {
    handle(options, request, response).catch(() => {
      if (!response.headersSent) send(response, 500, errorBody('internal_error', 'Internal error'));
      else response.destroy();
    });
  });
  // Probes and scrapes are short: an idle or slow connection is not kept.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { address: addressOf(server), close: () => closeServer(server) };
}

async function handle(
  options: OpsServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  const method = request.method ?? 'GET';
  if (path === '/health' && options.storage && (method === 'GET' || method === 'HEAD')) {
    const health = await checkHealth(options.storage);
    return send(response, health.status, health.body);
  }
  if (path === '/metrics' && (method === 'GET' || method === 'HEAD')) {
    const decision = await metricsAccess(
      options.config,
      options.listener,
      { hosts: [request.headers.host], authorization: request.headers.authorization },
      options.isProxyHost,
    );
    if (decision.serve) {
      const text = await options.metrics.text();
      response.writeHead(200, { 'content-type': options.metrics.contentType, 'cache-control': 'no-store' });
      response.end(method === 'HEAD' ? undefined : text);
      return;
    }
    if (decision.challenge) response.setHeader('www-authenticate', decision.challenge);
    const code = decision.status === 401 ? 'unauthenticated' : 'not_found';
    return send(response, decision.status, errorBody(code, decision.message));
  }
  send(response, 404, errorBody('not_found', `No route ${method} ${path}`));
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

function addressOf(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
