/**
 * Feed definitions through the management API and the CLI: validation, the globally unique slug, another
 * org's channel refused, audit entries, and `feed create --json` printing the feed with its public URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createSession,
  createTenant,
  sameDatabaseEnv,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
  testEnv,
} from '../harness.js';
import { runCli } from '../processes.js';
import { insertChannel } from '../stores/helpers.js';

const BASE = 'https://feeds.tagbridge.test';

let service: TestService;
let tenant: Tenant;
let admin: TestSession;
let channelId: string;

before(async () => {
  service = await startTestService({ role: 'api', env: { PUBLIC_BASE_URL: BASE } });
  tenant = await createTenant(service);
  admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
  channelId = await insertChannel(service, { orgId: tenant.org.id, name: 'Test & Co', scheduled: false });
});
after(() => service.destroy());

const post = (payload: Record<string, unknown>, session: TestSession = admin) =>
  service.app!.inject({ method: 'POST', url: '/v1/feeds', headers: session.headers, payload });

describe('feed definitions', () => {
  test('create, list, update, delete; audited', async () => {
    const created = await post({
      channelId,
      slug: 'google-shopping-feed',
      format: 'google',
      name: 'Google Shopping',
      filters: { inStockOnly: true, categories: ['Mugs'], minPrice: 1, maxPrice: 100 },
      overrides: { brand: 'Acme', condition: 'refurbished' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const feed = created.json();
    assert.match(feed.id, /^fed_/);
    assert.deepEqual(
      { ...feed, id: undefined, createdAt: undefined, updatedAt: undefined },
      {
        id: undefined,
        slug: 'google-shopping-feed',
        name: 'Google Shopping',
        channelId,
        format: 'google',
        filters: { inStockOnly: true, categories: ['Mugs'], minPrice: 1, maxPrice: 100 },
        overrides: { brand: 'Acme', condition: 'refurbished' },
        published: false,
        publicUrl: `${BASE}/api/public/feeds/google-shopping-feed`,
        lastGeneratedAt: null,
        productCount: null,
        skippedCount: null,
        skippedReasons: {},
        createdAt: undefined,
        updatedAt: undefined,
      },
    );

    const list = await service.app!.inject({ method: 'GET', url: '/v1/feeds', headers: admin.headers });
    assert.deepEqual(
      list.json().data.map((f: { id: string }) => f.id),
      [feed.id],
    );

    const patched = await service.app!.inject({
      method: 'PATCH',
      url: `/v1/feeds/${feed.id}`,
      headers: admin.headers,
      payload: { published: true, slug: 'google-shopping' },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().publicUrl, `${BASE}/api/public/feeds/google-shopping`);
    assert.equal(patched.json().published, true);

    const deleted = await service.app!.inject({
      method: 'DELETE',
      url: `/v1/feeds/${feed.id}`,
      headers: admin.headers,
    });
    assert.deepEqual(deleted.json(), { id: feed.id, deleted: true });
    const gone = await service.app!.inject({ method: 'GET', url: '/api/public/feeds/google-shopping' });
    assert.equal(gone.statusCode, 404);

    const audit = await service.storage.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('target_id', '=', feed.id)
      .orderBy('at')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['feed.create', 'feed.update', 'feed.delete'],
    );
    assert.ok(audit.every((a) => a.actor_id === admin.userId));
  });

  test('slugs: URL-safe, 3–100 lower-case characters, unique across orgs', async () => {
    for (const slug of ['ab', 'Upper-Case', '-leading', 'trailing-', 'with space', 'a/b', 'x'.repeat(101)]) {
      const res = await post({ channelId, slug, format: 'json' });
      assert.equal(res.statusCode, 400, slug);
      assert.equal(res.json().error.code, 'validation_failed');
    }
    assert.equal((await post({ channelId, slug: 'abc', format: 'json' })).statusCode, 201);
    assert.equal((await post({ channelId, slug: 'x'.repeat(100), format: 'json' })).statusCode, 201);

    const other = await createTenant(service);
    const otherAdmin = await createSession(service, { orgId: other.org.id, role: 'admin' });
    const otherChannel = await insertChannel(service, {
      orgId: other.org.id,
      name: 'Test & Co',
      scheduled: false,
    });
    const taken = await post({ channelId: otherChannel, slug: 'abc', format: 'meta' }, otherAdmin);
    assert.equal(taken.statusCode, 400);
    assert.match(taken.json().error.message, /slug abc is taken/);
  });

  test("another org's channel, unknown formats and inverted price ranges are refused", async () => {
    const other = await createTenant(service);
    const foreignChannel = await insertChannel(service, {
      orgId: other.org.id,
      name: 'Test & Co',
      scheduled: false,
    });
    const foreign = await post({ channelId: foreignChannel, slug: 'foreign-channel', format: 'google' });
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.json().error.code, 'not_found');
    assert.equal((await post({ channelId, slug: 'bad-format', format: 'rss' })).statusCode, 400);
    const inverted = await post({
      channelId,
      slug: 'inverted',
      format: 'json',
      filters: { minPrice: 10, maxPrice: 5 },
    });
    assert.equal(inverted.statusCode, 400);
  });
});

describe('feed CLI', () => {
  test('feed create --json prints the feed with its public URL; list, update and delete', async () => {
    const env = testEnv(service.dataDir, { ...sameDatabaseEnv(service), PUBLIC_BASE_URL: BASE });
    const run = async (args: string[]) => {
      const result = await runCli([...args, '--json'], env);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      return JSON.parse(result.stdout.trim());
    };
    const feed = await run([
      'feed',
      'create',
      '--channel',
      channelId,
      '--slug',
      'cli-feed',
      '--format',
      'meta',
      '--name',
      'From the CLI',
      '--publish',
    ]);
    assert.match(feed.id, /^fed_/);
    assert.equal(feed.publicUrl, `${BASE}/api/public/feeds/cli-feed`);
    assert.equal(feed.published, true);
    assert.equal(feed.format, 'meta');
    assert.equal(feed.channelId, channelId);
    const served = await service.app!.inject({ method: 'GET', url: '/api/public/feeds/cli-feed' });
    assert.equal(served.statusCode, 200);

    const listed = await run(['feed', 'list', '--channel', channelId]);
    assert.ok(listed.some((f: { id: string }) => f.id === feed.id));
    const updated = await run(['feed', 'update', '--id', feed.id, '--unpublish']);
    assert.equal(updated.published, false);
    assert.deepEqual(await run(['feed', 'delete', '--id', feed.id]), { id: feed.id, deleted: true });

    const bad = await runCli(
      ['feed', 'create', '--channel', 'chn_nope', '--slug', 'nope-feed', '--format', 'json', '--json'],
      env,
    );
    assert.equal(bad.code, 2);
  });
});
