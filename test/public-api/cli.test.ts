/** `npx tagbridge apikey create|list|revoke` as a child process, against the dialect under test. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dialect, dropSchema, testEnv } from '../harness.js';
import { runCli } from '../processes.js';

describe('CLI: apikey', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let schema: string | null;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tagbridge-apikey-'));
    schema = dialect === 'postgres' ? `t_${randomBytes(6).toString('hex')}` : null;
    env = testEnv(dataDir, schema ? { DATABASE_SCHEMA: schema } : {});
  });
  after(async () => {
    if (schema) await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const json = async (args: string[]): Promise<Record<string, unknown> & Array<Record<string, unknown>>> => {
    const result = await runCli([...args, '--json'], env);
    assert.equal(result.code, 0, `${args.join(' ')} failed: ${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout.trim());
  };

  test('create (shown once), list (prefix only), revoke; bad input exits 2', async () => {
    const org = await json(['org', 'create', '--name', 'Acme']);
    const domain = await json(['domain', 'add', '--org', org.id as string, '--host', 'ssp.acme-cli.test']);
    const created = await json([
      'apikey',
      'create',
      '--org',
      org.id as string,
      '--domain',
      domain.id as string,
      '--scopes',
      'events:read,stats:read',
      '--name',
      'Agency export',
    ]);
    assert.match(created.key as string, /^sp_[0-9A-Za-z]{32}$/);
    assert.deepEqual(created.scopes, ['events:read', 'stats:read']);
    assert.equal(created.domainId, domain.id);
    assert.equal(created.name, 'Agency export');
    assert.equal(created.createdBy, 'cli');

    const all = await json(['apikey', 'create', '--org', org.id as string]);
    assert.deepEqual(all.scopes, ['events:read', 'events:write', 'stats:read']);

    const list = await json(['apikey', 'list', '--org', org.id as string]);
    assert.equal(list.length, 2);
    assert.ok(!JSON.stringify(list).includes(created.key as string));
    assert.ok(list.some((k) => k.prefix === (created.key as string).slice(0, 11)));

    const revoked = await json(['apikey', 'revoke', '--id', created.id as string]);
    assert.equal(revoked.status, 'revoked');

    for (const args of [
      ['apikey', 'create', '--org', org.id as string, '--scopes', 'events:delete'],
      ['apikey', 'create', '--org', 'org_missing'],
      ['apikey', 'create', '--org', org.id as string, '--domain', 'dom_missing'],
      ['apikey', 'revoke', '--id', 'key_missing'],
    ]) {
      const result = await runCli([...args, '--json'], env);
      assert.equal(result.code, 2, args.join(' '));
    }
  });
});
