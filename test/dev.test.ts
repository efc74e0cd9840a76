import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { ConfigError } from '../src/config.js';
import { devInstructions, parseFakePortBase, startDev } from '../src/dev/dev.js';
import { dialect, eventually } from './harness.js';

test('tagbridge dev: a demo domain whose events reach all seven fake platforms', {
  skip: dialect === 'postgres' && 'dev runs on embedded SQLite only',
}, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tagbridge-dev-'));
  // No port base: the fakes take free ports, so dev never collides with whatever holds 9901–9907.
  const session = await startDev({
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DELIVERY_POLL_INTERVAL_MS: '20',
  });
  try {
    const ports = Object.values(session.fakes.urls).map((url) => Number(new URL(url).port));
    assert.equal(new Set(ports).size, 7);
    for (const port of ports) assert.ok(port < 9901 || port > 9907, `fake on a free port, got ${port}`);
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
      return rows.length === 7 && rows.every((r) => r.status !== 'pending') ? rows : undefined;
    });
    for (const row of outcomes)
      assert.equal(row.status, 'delivered', `${row.destination_type}: ${row.last_error}`);
    await eventually(async () =>
      [
        fakes.meta,
        fakes.tiktok,
        fakes.pinterest,
        fakes.snapchat,
        fakes.reddit,
        fakes.ga4,
        fakes.microsoft,
      ].every((f) => f.accepted.length === 1),
    );
  } finally {
    await session.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('tagbridge dev --fake-port-base: N for Meta … N+6 for Microsoft; bad values are a usage error', () => {
  assert.equal(parseFakePortBase(undefined), null);
  assert.equal(parseFakePortBase('9901'), 9901);
  for (const bad of ['', 'abc', '80', '65530', '9901.5', '-1']) {
    assert.throws(() => parseFakePortBase(bad), ConfigError, bad);
  }
});
