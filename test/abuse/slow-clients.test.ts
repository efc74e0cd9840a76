/**
 * Slow clients (issue 14 §4): 300 connections sending a body byte by byte stayed open for 75 s — Fastify
 * turns Node's request timeout off. Headers, bodies and idle keep-alive connections now have timeouts
 * (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS), and one address holds at
 * most HTTP_MAX_CONNECTIONS_PER_IP connections while other clients are served. Real sockets on loopback
 * (127.0.0.2 is a second client address on Linux).
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTenant, startTestService, type TestService } from '../harness.js';

interface Outcome {
  /** Milliseconds from connecting until the server closed the connection (null: still open at the deadline). */
  closedAfterMs: number | null;
  response: string;
}

/** Opens a connection, then calls `drip` every `everyMs` with the socket until the server closes it. */
function slowClient(
  port: number,
  start: string,
  drip: string,
  everyMs: number,
  deadlineMs: number,
  localAddress = '127.0.0.1',
): Promise<Outcome> {
  return new Promise((resolve) => {
    const began = Date.now();
    let response = '';
    const socket: Socket = connect({ host: '127.0.0.1', port, localAddress });
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedAfterMs: number | null) => {
      clearInterval(timer);
      clearTimeout(deadline);
      socket.destroy();
      resolve({ closedAfterMs, response });
    };
    const deadline = setTimeout(() => finish(null), deadlineMs);
    socket.on('data', (chunk) => {
      response += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => finish(Date.now() - began));
    socket.on('connect', () => {
      if (start) socket.write(start);
      timer = setInterval(() => {
        if (!socket.destroyed && drip) socket.write(drip);
      }, everyMs);
    });
  });
}

/** A whole request on its own connection; resolves with the response's status line, or `closed`. */
function quickRequest(port: number, localAddress: string, keepOpen = false): Promise<string> {
  return new Promise((resolve) => {
    let response = '';
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      response += chunk.toString('latin1');
      if (response.includes('\r\n\r\n')) {
        if (!keepOpen) socket.destroy();
        resolve(response.split('\r\n')[0]!);
      }
    });
    socket.on('close', () => resolve(response ? response.split('\r\n')[0]! : 'closed'));
    socket.on('connect', () => {
      // Kept open: a keep-alive connection the server holds after answering.
      const connection = keepOpen ? 'keep-alive' : 'close';
      socket.write(`GET /no-such-page HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: ${connection}\r\n\r\n`);
    });
  });
}

const portOf = (service: TestService): number => Number(new URL(service.address!).port);

describe('header, body and keep-alive timeouts', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({
      role: 'api',
      listen: true,
      env: {
        HTTP_HEADERS_TIMEOUT_MS: '1000',
        HTTP_REQUEST_TIMEOUT_MS: '1500',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
        HTTP_MAX_CONNECTIONS_PER_IP: '0',
      },
    });
  });
  after(() => service.destroy());

  test('50 connections sending a body byte by byte are all closed at the request timeout (408)', async () => {
    const tenant = await createTenant(service, {});
    // A real domain and token: the proxy reads the body (an unknown host is answered before it).
    const headers =
      `POST /v1/events HTTP/1.1\r\nHost: ${tenant.domain.host}\r\nX-SSP-Token: ${tenant.proxyToken}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{';
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () => slowClient(portOf(service), headers, ' ', 100, 6000)),
    );
    for (const outcome of outcomes) {
      assert.notEqual(outcome.closedAfterMs, null, 'the server closed the connection');
      // 1.5 s timeout, checked every 375 ms; nowhere near the 6 s the test waits.
      assert.ok(
        outcome.closedAfterMs! >= 1400 && outcome.closedAfterMs! < 3000,
        String(outcome.closedAfterMs),
      );
      assert.match(outcome.response, /^HTTP\/1\.1 408 /);
    }
  });

  test('headers sent byte by byte are closed at the headers timeout', async () => {
    const outcome = await slowClient(portOf(service), 'POST /v1/events HTTP/1.1\r\nX-Slow: ', 'a', 100, 6000);
    assert.notEqual(outcome.closedAfterMs, null);
    assert.ok(outcome.closedAfterMs! >= 900 && outcome.closedAfterMs! < 2500, String(outcome.closedAfterMs));
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const outcome = await slowClient(
      portOf(service),
      'GET /no-such-page HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      '',
      100,
      6000,
    );
    assert.match(outcome.response, /^HTTP\/1\.1 404 /);
    assert.notEqual(outcome.closedAfterMs, null);
    assert.ok(outcome.closedAfterMs! >= 900 && outcome.closedAfterMs! < 2500, String(outcome.closedAfterMs));
  });
});

describe('HTTP_MAX_CONNECTIONS_PER_IP', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({
      role: 'api',
      listen: true,
      env: { HTTP_MAX_CONNECTIONS_PER_IP: '5' },
    });
  });
  after(() => service.destroy());

  test('the 6th connection from one address is closed at once; another address is served meanwhile', async () => {
    const port = portOf(service);
    // Five slow senders from 127.0.0.1 hold their connections.
    const holders: Socket[] = [];
    for (let i = 0; i < 5; i += 1) {
      const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('POST /v1/events HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 1000\r\n\r\n{');
      holders.push(socket);
    }
    try {
      // Let the server register all five before the sixth arrives.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const extra = await Promise.all(Array.from({ length: 3 }, () => quickRequest(port, '127.0.0.1')));
      assert.deepEqual(extra, ['closed', 'closed', 'closed'], 'refused while five are open');
      assert.match(await quickRequest(port, '127.0.0.2'), /^HTTP\/1\.1 404 /, 'another client is served');
      // One holder goes away: its address may connect again.
      holders.pop()!.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.match(await quickRequest(port, '127.0.0.1'), /^HTTP\/1\.1 404 /);
    } finally {
      for (const socket of holders) socket.destroy();
    }
  });

  test('connections from a trusted proxy (TRUST_PROXY list) are not capped', async () => {
    const behindProxy = await startTestService({
      role: 'api',
      listen: true,
      env: { HTTP_MAX_CONNECTIONS_PER_IP: '2', TRUST_PROXY: '127.0.0.1' },
    });
    try {
      const port = portOf(behindProxy);
      const statuses = await Promise.all(
        Array.from({ length: 6 }, () => quickRequest(port, '127.0.0.1', true)),
      );
      for (const status of statuses) assert.match(status, /^HTTP\/1\.1 404 /);
      // 127.0.0.2 is not the proxy: capped at 2.
      const held = await Promise.all(Array.from({ length: 2 }, () => quickRequest(port, '127.0.0.2', true)));
      for (const status of held) assert.match(status, /^HTTP\/1\.1 404 /);
      assert.equal(await quickRequest(port, '127.0.0.2'), 'closed');
    } finally {
      await behindProxy.destroy();
    }
  });
});
