/**
 * The HTTP plumbing every fake shares: body reading, failure injection, delays, recording. A platform
 * module only supplies how it validates and how it renders failures.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { closeLocal, listenLocal } from '../../lib/local-server.js';
import type {
  AcceptedEvent,
  FakeOptions,
  FakePlatform,
  InjectedResponse,
  Json,
  ReceivedRequest,
} from './common.js';

/** A request as a platform module sees it. */
export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Media type of the body, lower case, without parameters (`application/json`). */
  contentType: string;
  rawBody: string;
  /** Parsed JSON, or `undefined` when the body is empty or not JSON (then `jsonError` says why). */
  json: unknown;
  jsonError?: string;
}

export interface PlatformReply {
  status: number;
  body: Json;
  headers?: Record<string, string>;
  /** Events the platform took in (only on success or partial success). */
  accepted?: AcceptedEvent[];
  /** Recorded on the request (`ReceivedRequest.note`), never sent. */
  note?: string;
}

/** Injected failures a platform renders in its own shape (hang and destroy are handled here). */
export type RenderableFailure = Exclude<InjectedResponse, { kind: 'hang' } | { kind: 'destroy' }>;

export interface PlatformBehaviour {
  name: string;
  isTestMode(request: FakeRequest): boolean;
  handle(request: FakeRequest): PlatformReply;
  renderFailure(failure: RenderableFailure): PlatformReply;
}

/** Far above any platform's batch size, so a real batch is never refused here. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function startFakeServer(
  behaviour: PlatformBehaviour,
  options: FakeOptions = {},
): Promise<FakePlatform> {
  const now = options.now ?? Date.now;
  const received: ReceivedRequest[] = [];
  const accepted: AcceptedEvent[] = [];
  const queue: InjectedResponse[] = [];
  const sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  let delayMs = 0;
  let closed = false;

  /** Resolves after `ms`, or at once when the server closes (so hung handlers don't outlive it). */
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: () => {
          clearTimeout(sleeper.timer);
          resolve();
        },
      };
      sleepers.add(sleeper);
    });

  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Taken before the body is read, so scripted answers follow arrival order.
    const failure = queue.shift();
    const at = now();
    const request = await readRequest(req);
    if (request === undefined) {
      send(res, { status: 413, body: { message: 'Request body too large for the fake server.' } });
      return;
    }
    const entry: ReceivedRequest = {
      method: request.method,
      path: request.path,
      query: request.query,
      headers: request.headers,
      body: request.json !== undefined ? request.json : request.rawBody === '' ? null : request.rawBody,
      at,
      testMode: behaviour.isTestMode(request),
      response: { status: 0, body: null },
    };
    if (failure !== undefined) entry.injected = failure.kind;

    if (failure?.kind === 'destroy') {
      received.push(entry);
      if (delayMs > 0) await sleep(delayMs);
      req.socket.destroy();
      return;
    }

    let reply: PlatformReply;
    if (failure !== undefined && failure.kind !== 'hang') {
      reply = behaviour.renderFailure(failure);
    } else {
      reply = behaviour.handle(request);
      // Recorded on arrival, not after the delay: a platform that answers late has still taken the
      // events in, which is exactly why a client timeout must not be read as "not delivered".
      if (reply.accepted !== undefined) accepted.push(...reply.accepted);
    }
    entry.response = { status: reply.status, body: reply.body };
    if (reply.note !== undefined) entry.note = reply.note;
    received.push(entry);

    const wait = delayMs + (failure?.kind === 'hang' ? failure.ms : 0);
    if (wait > 0) await sleep(wait);
    if (closed) return;
    send(res, reply);
  };

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      // A bug in a fake must surface in the test output, not as a hung request.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      send(res, { status: 500, body: { fake_server_bug: message } });
    });
  });

  const origin = await listenLocal(server, options);

  return {
    name: behaviour.name,
    url: origin,
    received,
    accepted,
    enqueue(...responses: InjectedResponse[]): void {
      queue.push(...responses);
    },
    setDelay(ms: number): void {
      delayMs = Math.max(0, ms);
    },
    reset(): void {
      received.length = 0;
      accepted.length = 0;
      queue.length = 0;
      delayMs = 0;
    },
    close(): Promise<void> {
      closed = true;
      for (const sleeper of sleepers) sleeper.wake();
      sleepers.clear();
      return closeLocal(server);
    },
  };
}

function send(res: ServerResponse, reply: PlatformReply): void {
  if (res.destroyed || res.writableEnded) return;
  if (reply.status === 204) {
    // No Content: no body and no body headers (GA4's /mp/collect answers so).
    res.writeHead(204, reply.headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(text);
}

async function readRequest(req: IncomingMessage): Promise<FakeRequest | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  let bytes = Buffer.concat(chunks);
  let decodeError: string | undefined;
  if ((req.headers['content-encoding'] ?? '').toLowerCase() === 'gzip') {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      decodeError = 'the body is marked Content-Encoding: gzip but is not gzip data';
    }
  }
  const rawBody = bytes.toString('utf8');

  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  const contentType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

  const request: FakeRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query,
    headers,
    contentType,
    rawBody,
    json: undefined,
  };
  if (decodeError !== undefined) {
    request.jsonError = decodeError;
  } else if (rawBody.trim() === '') {
    request.jsonError = 'the request body is empty';
  } else {
    try {
      request.json = JSON.parse(rawBody) as unknown;
    } catch (error) {
      request.jsonError = `the request body is not valid JSON (${(error as Error).message})`;
    }
  }
  return request;
}

/** The token of an `Authorization: Bearer …` header, if that is what was sent. */
export function bearerToken(headers: Record<string, string>): string | undefined {
  const match = /^Bearer\s+(\S.*)$/i.exec(headers.authorization ?? '');
  return match?.[1]?.trim();
}

/** Whether a token authenticates under the options (any non-empty token when no list is given). */
export function tokenIsValid(token: string | undefined, options: FakeOptions): boolean {
  if (token === undefined || token === '') return false;
  return options.validTokens === undefined || options.validTokens.includes(token);
}

export function idIsKnown(id: string, options: FakeOptions): boolean {
  return options.knownIds === undefined || options.knownIds.includes(id);
}
