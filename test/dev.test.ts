import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { ConfigError } from '../src/config.js';
import { DESTINATION_TYPES } from '../src/destinations/registry.js';
import { devInstructions, FAKE_PORTS, parseFakePortBase, startDev } from '../src/dev/dev.js';
import { dialect, eventually } from './harness.js';

test("tagbridge dev: a demo domain whose events reach every registered platform's fake", {
  skip: dialect === 'postgres' && 'dev runs on embedded SQLite only',
}, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tagbridge-dev-'));
  // No port base: the fakes take free ports, so dev never collides with whatever holds 9901 and the ports after it.
  const session = await startDev({
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DELIVERY_POLL_INTERVAL_MS: '20',
  });
  try {
    const ports = DESTINATION_TYPES.map((type) => Number(new URL(session.fakes[type].url).port));
    assert.equal(new Set(ports).size, DESTINATION_TYPES.length);
    for (const port of ports)
      assert.ok(port < 9901 || port >= 9901 + FAKE_PORTS, `fake on a free port, got ${port}`);
    const help = devInstructions(session);
    const servicePort = new URL(session.service.address!).port;
    assert.match(help, new RegExp(`curl -s http://localhost:${servicePort}/v1/events`));
    for (const [name, url] of Object.entries(session.fakes.urls))
      assert.ok(help.includes(`${name}=${url}`), name);
    assert.ok(help.includes(session.proxyToken));
    const res = await request(`${session.service.address}/v1/events`, {
      method: 'POST',
      headers: { host: 'localhost', 'content-type': 'application/json', 'x-ssp-token': session.proxyToken },
      body: JSON.stringify({
        events: [
          {
            eventName: 'Purchase',
            eventTime: Math.floor(Date.now() / 1000),
            userData: { email: 'jane@example.com', ipAddress: '203.0.113.7', userAgent: 'curl/8' },
            customData: { currency: 'USD', value: 19.99, orderId: 'DEMO-1' },
          },
        ],
      }),
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { success: true });
    const { fakes } = session;
    const outcomes = await eventually(async () => {
      const rows = await session.service.storage.db
        .selectFrom('deliveries')
        .select(['destination_type', 'status', 'last_error'])
        .execute();
      return rows.length === DESTINATION_TYPES.length && rows.every((r) => r.status !== 'pending')
        ? rows
        : undefined;
    });
    for (const row of outcomes)
      assert.equal(row.status, 'delivered', `${row.destination_type}: ${row.last_error}`);
    await eventually(async () => DESTINATION_TYPES.every((type) => fakes[type].accepted.length === 1));
  } finally {
    await session.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('tagbridge dev --fake-port-base: N for Meta, N+1 for TikTok…; bad values are a usage error', () => {
  assert.equal(parseFakePortBase(undefined), null);
  assert.equal(parseFakePortBase('9901'), 9901);
  // The last fake must still get a port: N + FAKE_PORTS - 1 ≤ 65535.
  assert.equal(parseFakePortBase(String(65536 - FAKE_PORTS)), 65536 - FAKE_PORTS);
  for (const bad of ['', 'abc', '80', String(65537 - FAKE_PORTS), '9901.5', '-1']) {
    assert.throws(() => parseFakePortBase(bad), ConfigError, bad);
  }
});
