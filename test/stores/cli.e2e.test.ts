/** `tagbridge store list|disconnect` answer what the management API answers, through the same use cases. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type FakeWooCommerceStore, startFakeWooCommerce } from '../../src/dev/fakes/woocommerce-store.js';
import { auditEntries, cliJson } from '../cli/helpers.js';
import { createSession, startTestService, type TestService } from '../harness.js';
import { CapturingMailer } from '../management/helpers.js';
import { assertSeedError, call, uniqueEmail } from './helpers.js';

describe('store CLI', () => {
  let service: TestService;
  let store: FakeWooCommerceStore;
  before(async () => {
    store = await startFakeWooCommerce();
    service = await startTestService({
      role: 'api',
      mailer: new CapturingMailer(),
      env: { ALLOW_PRIVATE_NETWORK_TARGETS: '1' },
    });
  });
  after(async () => {
    await service.destroy();
    await store.close();
  });

  test('store list matches GET /v1/store-channels; store disconnect revokes the plugin', async () => {
    const connected = await call(service, 'POST', '/api/stores/connect', {
      body: {
        storeUrl: store.url,
        consumerKey: store.consumerKey,
        consumerSecret: store.consumerSecret,
        email: uniqueEmail('cli'),
      },
    });
    assert.equal(connected.status, 201);
    const channelId = String(connected.body.channelId);
    const { org_id: orgId } = await service.storage.db
      .selectFrom('store_channels')
      .select('org_id')
      .where('id', '=', channelId)
      .executeTakeFirstOrThrow();
    const session = await createSession(service, { orgId, role: 'viewer' });
    const http = await service.app!.inject({
      method: 'GET',
      url: '/v1/store-channels',
      headers: session.headers,
    });
    const cli = await cliJson(service, ['store', 'list', '--org', orgId]);
    assert.equal(cli.code, 0);
    assert.deepEqual(cli.body, JSON.parse(http.body).data);

    const out = await cliJson(service, ['store', 'disconnect', '--channel', channelId]);
    assert.equal(out.code, 0);
    assert.equal(out.body.status, 'disconnected');
    assert.equal(out.body.credential, null);
    assert.equal(out.body.revokedSessions, 1);
    assertSeedError(
      await call(service, 'GET', '/api/sync/status', { token: String(connected.body.token) }),
      401,
    );
    assert.equal((await auditEntries(service, orgId, 'store.disconnect'))[0]?.actor_type, 'operator');

    const missing = await cliJson(service, ['store', 'disconnect', '--channel', 'chn_nope']);
    assert.equal(missing.code, 2);
    assert.equal(missing.body.error?.code, 'not_found');
  });
});
