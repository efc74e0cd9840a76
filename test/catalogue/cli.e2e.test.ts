/**
 * `tagbridge store sync` as a real process: a run killed (SIGKILL) while the store hangs on a page resumes
 * from its cursor in the next process once the dead one's lease expires; `--json` prints exactly one
 * object `{"products": N, …}`; `--domain` picks the channel linked to the domain.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FakeWooCommerceStore, startFakeWooCommerce } from '../../src/dev/fakes/woocommerce-store.js';
import { getStoreChannelById } from '../../src/storage/repos/store-channels.js';
import {
  createTenant,
  sameDatabaseEnv,
  startTestService,
  type Tenant,
  type TestService,
  testEnv,
} from '../harness.js';
import { runCli } from '../processes.js';
import { insertChannel } from '../stores/helpers.js';
import { CATALOGUE_ENV } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PRODUCTS = 250 + 1 + 2;

describe('store sync CLI', () => {
  let service: TestService;
  let store: FakeWooCommerceStore;
  let tenant: Tenant;
  let channelId: string;
  let env: Record<string, string>;

  before(async () => {
    service = await startTestService({ role: 'api' });
    store = await startFakeWooCommerce({ generated: 250 });
    tenant = await createTenant(service);
    channelId = await insertChannel(service, {
      orgId: tenant.org.id,
      platform: 'woocommerce',
      storeUrl: store.url,
      domainId: tenant.domain.id,
      credentials: {
        platform: 'woocommerce',
        consumerKey: store.consumerKey,
        consumerSecret: store.consumerSecret,
      },
    });
    env = testEnv(service.dataDir, {
      ...sameDatabaseEnv(service),
      ...CATALOGUE_ENV,
      CATALOGUE_SYNC_LEASE_MS: '1500',
      LOG_LEVEL: 'silent',
    });
  });
  after(async () => {
    await store.close();
    await service.destroy();
  });

  test('a sync killed half-way resumes in the next process; --json prints one summary object', async () => {
    // Products page 1 and the variations of 799 are served; products page 2 never answers.
    store.failAfterPages(2, { kind: 'hang' });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli-main.ts', 'store', 'sync', '--channel', channelId],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        stdio: 'ignore',
      },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 300 && !store.requests.some((r) => r.injected === 'hang'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(
      store.requests.some((r) => r.injected === 'hang'),
      'the CLI reached the hanging page',
    );
    child.kill('SIGKILL');
    await exited;

    const killed = (await getStoreChannelById(service.storage.db, channelId))!;
    assert.equal(killed.sync_state, 'running');
    assert.equal(killed.sync_done, 101);
    assert.notEqual(killed.sync_cursor, null);

    store.reset();
    const result = await runCli(['store', 'sync', '--channel', channelId, '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 1, result.stdout);
    const summary = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(summary.products, PRODUCTS);
    assert.equal(summary.resumed, true);
    assert.equal(summary.created, PRODUCTS);
    assert.equal(summary.removed, 0);
    assert.equal(summary.status, 'completed');
    assert.equal(typeof summary.durationMs, 'number');
    assert.equal(typeof summary.pages, 'number');
    // Only the pages the killed process had not stored.
    assert.deepEqual(
      store.requests.map((r) => `${r.path}#${r.query.page}`),
      ['/wp-json/wc/v3/products#2', '/wp-json/wc/v3/products#3'],
    );
  });

  test('--domain syncs the channel linked to the domain; an unknown channel is a usage failure', async () => {
    store.reset();
    const result = await runCli(['store', 'sync', '--domain', tenant.domain.id, '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(summary.products, PRODUCTS);
    assert.equal(summary.channelId, channelId);
    assert.equal(summary.full, false, 'an incremental run after the full one');

    const unknown = await runCli(['store', 'sync', '--channel', 'chn_nope', '--json'], env);
    assert.equal(unknown.code, 2);
    assert.equal((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code, 'not_found');
  });
});
