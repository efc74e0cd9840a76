/**
 * GET /p.js on a domain's proxy host (issue 12, "The script"): the build with the domain's configuration,
 * versioned URLs cached for a year, others for five minutes, ETag and 304, gzip when accepted, and the
 * error model for a host that is no domain.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { pixelBundle, pixelVersion } from '../../src/pixel/bundle.js';
import { updateDomainSettings } from '../../src/storage/repos/domains.js';
import { createTenant, startTestService, type Tenant, type TestService } from '../harness.js';

describe('GET /p.js', () => {
  let service: TestService;
  let denying: Tenant;
  let hash: string;

  before(async () => {
    service = await startTestService();
    await createTenant(service, { host: 't.shop-a.example', shopUrl: 'https://shop-a.example' });
    denying = await createTenant(service, { host: 't.shop-b.example', shopUrl: 'https://shop-b.example' });
    await updateDomainSettings(
      service.storage.db,
      denying.org.id,
      denying.domain.id,
      { consentDefault: 'deny' },
      Date.now(),
    );
    service.domains.invalidate();
    hash = pixelVersion(await pixelBundle(), {
      consentDefault: 'forward',
      collectUrl: '//t.shop-a.example/v1/collect',
    });
  });
  after(() => service.destroy());

  const get = (host: string, url = '/p.js', headers: Record<string, string> = {}) =>
    service.app!.inject({ method: 'GET', url, headers: { host, ...headers } });

  test('the script with the domain configuration, as JavaScript, cached five minutes without a version', async () => {
    const res = await get('t.shop-a.example');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'public, max-age=300');
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers.vary, 'Accept-Encoding');
    assert.match(String(res.headers.etag), /^"[0-9a-f]{24}"$/);
    assert.ok(res.body.startsWith('(function(tagbridgeConfig){"use strict";'));
    assert.ok(
      res.body.endsWith('})({"consentDefault":"forward","collectUrl":"//t.shop-a.example/v1/collect"});\n'),
      res.body.slice(-120),
    );
    assert.ok(res.body.includes((await pixelBundle()).code));
    // It parses as one script; outside a browser it stops at its first look at `window`.
    assert.throws(() => runInNewContext(res.body, {}), /window is not defined/);
  });

  test('a deny-by-default domain gets its own configuration and ETag', async () => {
    const a = await get('t.shop-a.example');
    const b = await get('t.shop-b.example:8443');
    assert.ok(
      b.body.endsWith('})({"consentDefault":"deny","collectUrl":"//t.shop-b.example:8443/v1/collect"});\n'),
    );
    assert.notEqual(a.headers.etag, b.headers.etag);
  });

  test('?v= naming the current build: immutable for a year; a stale version: five minutes', async () => {
    const current = await get('t.shop-a.example', `/p.js?v=${hash}`);
    assert.equal(current.statusCode, 200);
    assert.equal(current.headers['cache-control'], 'public, max-age=31536000, immutable');
    const stale = await get('t.shop-a.example', '/p.js?v=0000000000000000');
    assert.equal(stale.statusCode, 200);
    assert.equal(stale.headers['cache-control'], 'public, max-age=300');
    assert.equal(stale.body, current.body);
    // The build's hash alone is not a version: the configuration is part of what is cached for a year.
    const buildOnly = await get('t.shop-a.example', `/p.js?v=${(await pixelBundle()).hash}`);
    assert.equal(buildOnly.headers['cache-control'], 'public, max-age=300');
    // Another configuration (deny by default) is another version: the forward domain's is short-lived there.
    const other = await get('t.shop-b.example', `/p.js?v=${hash}`);
    assert.equal(other.headers['cache-control'], 'public, max-age=300');
  });

  test('If-None-Match with the ETag: 304 with no body and the same caching headers', async () => {
    const first = await get('t.shop-a.example', `/p.js?v=${hash}`);
    const etag = String(first.headers.etag);
    const again = await get('t.shop-a.example', `/p.js?v=${hash}`, { 'if-none-match': `W/${etag}, "other"` });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, etag);
    assert.equal(again.headers['cache-control'], 'public, max-age=31536000, immutable');
    const changed = await get('t.shop-a.example', '/p.js', { 'if-none-match': '"something-else"' });
    assert.equal(changed.statusCode, 200);
  });

  test('gzip when accepted (its own ETag), plain when refused', async () => {
    const plain = await get('t.shop-a.example');
    const zipped = await get('t.shop-a.example', '/p.js', { 'accept-encoding': 'br, gzip;q=0.8' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(zipped.rawPayload).toString('utf8'), plain.body);
    assert.ok(zipped.rawPayload.length <= 6144, `${zipped.rawPayload.length} bytes`);
    assert.equal(zipped.headers.etag, `${String(plain.headers.etag).slice(0, -1)}-gz"`);
    const refused = await get('t.shop-a.example', '/p.js', { 'accept-encoding': 'gzip;q=0, identity' });
    assert.equal(refused.headers['content-encoding'], undefined);
    const revalidated = await get('t.shop-a.example', '/p.js', {
      'accept-encoding': 'gzip',
      'if-none-match': String(zipped.headers.etag),
    });
    assert.equal(revalidated.statusCode, 304);
  });

  test('a host that is no domain: 404 in the error model', async () => {
    const res = await get('unknown.example');
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), {
      error: {
        code: 'domain_not_configured',
        message: 'No domain is configured for unknown.example',
        details: { host: 'unknown.example' },
      },
    });
  });
});
