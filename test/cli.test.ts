import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { type Service, startService } from '../src/main.js';
import { dialect, dropSchema, proxyHeaders, purchaseEvent, testEnv } from './harness.js';
import { runCli } from './processes.js';

describe('operator CLI (npx tagbridge)', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let schema: string | null;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tagbridge-cli-'));
    schema = dialect === 'postgres' ? `t_${randomBytes(6).toString('hex')}` : null;
    env = testEnv(dataDir, schema ? { DATABASE_SCHEMA: schema } : {});
  });
  after(async () => {
    if (schema) await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const json = async (args: string[]) => {
    const result = await runCli([...args, '--json'], env);
    assert.equal(result.code, 0, `${args.join(' ')} failed: ${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout.trim());
  };

  test('migrate, org create, domain add, destination set, deliveries list/show/replay', async () => {
    const migrated = await json(['migrate']);
    assert.ok(Array.isArray(migrated.applied));

    const org = await json(['org', 'create', '--name', 'Acme Shop', '--plan', 'starter']);
    assert.match(org.id, /^org_/);
    assert.equal(org.plan, 'starter');

    const domain = await json([
      'domain',
      'add',
      '--org',
      org.id,
      '--host',
      'SSP.Acme.co.uk',
      '--shop-url',
      'https://acme.co.uk',
    ]);
    assert.match(domain.id, /^dom_/);
    assert.equal(domain.host, 'ssp.acme.co.uk');
    assert.equal(domain.defaultCountry, 'GB');
    assert.match(domain.proxyToken, /^[0-9a-f]{64}$/);
    assert.match(domain.syncToken, /^[0-9a-f]{64}$/);
    assert.notEqual(domain.proxyToken, domain.syncToken);

    const destination = await json([
      'destination',
      'set',
      '--domain',
      domain.id,
      '--type',
      'meta',
      '--config',
      JSON.stringify({
        pixelId: '1234567890',
        accessToken: 'EAAB-cli-secret-token-9f3a',
        testEventCode: 'TEST123',
      }),
    ]);
    assert.match(destination.id, /^dst_/);
    assert.equal(destination.config.pixelId, '1234567890');
    assert.equal(destination.config.accessToken.endsWith('9f3a'), true);
    assert.ok(!JSON.stringify(destination).includes('cli-secret'), 'the token is shown masked');

    // An event through the real proxy (in-process, same database) to have something to list.
    const service: Service = await startService(loadConfig(env), {
      role: 'api',
      listen: false,
      ...(schema ? { pgSchema: schema } : {}),
    });
    try {
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders({ domain: { host: 'ssp.acme.co.uk' }, proxyToken: domain.proxyToken } as never),
        payload: { events: [purchaseEvent({ eventId: 'cli-1' })] },
      });
      assert.equal(res.statusCode, 200, res.body);
      await service.storage.db
        .updateTable('deliveries')
        .set({ status: 'dead', last_error: 'retry horizon reached', final_at: Date.now() })
        .execute();
    } finally {
      await service.close();
    }

    const dead = await json(['deliveries', 'list', '--status', 'dead']);
    assert.equal(dead.length, 1);
    assert.equal(dead[0].destinationType, 'meta');
    assert.equal(dead[0].status, 'dead');
    const trace = await json(['deliveries', 'show', '--id', dead[0].id]);
    assert.ok(Array.isArray(trace));
    const replay = await json(['deliveries', 'replay', '--domain', domain.id]);
    assert.deepEqual(replay, { replayed: 1, unavailable: 0 });
    const pending = await json(['deliveries', 'list', '--status', 'pending']);
    assert.equal(pending.length, 1);
    assert.equal((await json(['deliveries', 'list', '--status', 'dead'])).length, 0);

    const suspended = await json(['org', 'set', '--id', org.id, '--status', 'suspended']);
    assert.equal(suspended.subscriptionStatus, 'suspended');
  });

  test('bad input: a clear error, exit code 2, nothing changed', async () => {
    const badPlan = await runCli(['org', 'create', '--name', 'X', '--plan', 'gold', '--json'], env);
    assert.equal(badPlan.code, 2);
    assert.match(JSON.parse(badPlan.stdout).error.message, /--plan must be one of/);
    const badConfig = await runCli(
      [
        'destination',
        'set',
        '--domain',
        'dom_missing',
        '--type',
        'meta',
        '--config',
        '{"pixelId":1}',
        '--json',
      ],
      env,
    );
    assert.equal(badConfig.code, 2);
    const unknown = await runCli(['frobnicate'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command/);
  });
});
