/**
 * The page Shopify's OAuth callback redirects to (`/sales-channels/:channelId?oauth=…`): the outcome in plain
 * words, the store only for a member of its org, every value escaped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../../src/lib/ids.js';
import { insertStoreChannel } from '../../src/storage/repos/store-channels.js';
import { createSession, createTenant, startTestService, type TestService } from '../harness.js';

describe('the sales channel landing page', () => {
  let service: TestService;
  let channelId: string;
  let ownerCookie: string;
  let strangerCookie: string;
  before(async () => {
    service = await startTestService({ role: 'api' });
    const mine = await createTenant(service);
    const theirs = await createTenant(service);
    channelId = newId('chn');
    await insertStoreChannel(service.storage.db, {
      id: channelId,
      orgId: mine.org.id,
      platform: 'shopify',
      storeUrl: 'landing-demo.myshopify.com',
      name: null,
      credentialsSealed: service.sealer.seal({ platform: 'shopify', accessToken: 'shpat_x' }, 'unused'),
      credentialPreview: 'shpa…',
      pluginVersion: null,
      connectedBy: null,
      domainId: null,
      now: Date.now(),
    });
    ownerCookie = (await createSession(service, { orgId: mine.org.id, role: 'viewer' })).headers.cookie ?? '';
    strangerCookie = (await createSession(service, { orgId: theirs.org.id })).headers.cookie ?? '';
  });
  after(() => service.destroy());

  const get = (url: string, cookie?: string) =>
    service.app!.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

  test('success, for a member of the org: the store and its catalogue sync', async () => {
    const res = await get(`/sales-channels/${channelId}?oauth=success`, ownerCookie);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.match(res.body, /<h1>Store connected<\/h1>/);
    assert.match(res.body, /<code>landing-demo\.myshopify\.com<\/code>/);
    assert.match(res.body, /Platform: <strong>Shopify<\/strong>/);
    assert.match(res.body, /Catalogue: not synced yet/);
  });

  test('another org, or no session: the outcome only, never the store', async () => {
    const stranger = await get(`/sales-channels/${channelId}?oauth=success`, strangerCookie);
    assert.equal(stranger.statusCode, 200);
    assert.match(stranger.body, /Store connected/);
    assert.doesNotMatch(stranger.body, /landing-demo/);
    const anonymous = await get(`/sales-channels/${channelId}?oauth=success`);
    assert.doesNotMatch(anonymous.body, /landing-demo/);
    assert.match(anonymous.body, /href="\/sign-in"/);
  });

  test('an error: the message escaped, with what to do', async () => {
    const message = encodeURIComponent('<script>alert(1)</script> state expired');
    const res = await get(`/sales-channels?oauth=error&message=${message}`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1>The store was not connected<\/h1>/);
    assert.match(res.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt; state expired/);
    assert.doesNotMatch(res.body, /<script>/);
    assert.match(res.body, /Nothing was stored/);
  });
});
