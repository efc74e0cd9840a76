/**
 * The README's first-hour examples work as written: the `destination set` example configures a live (not
 * test-mode) Meta destination, and the example `PageVisit` curl is delivered to Meta rather than skipped.
 * The examples are read from the README itself, so this stays true when they change.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type FakePlatforms, startFakePlatforms } from '../src/dev/fakes/index.js';
import { createTenant, eventually, proxyHeaders, startTestService, type TestService } from './harness.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The `--config '…'` JSON of the Quick start's `destination set` example. */
function destinationSetExample(): Record<string, unknown> {
  const match = /npx tagbridge destination set [^\n]*\\\n\s*--config '([^']+)'/.exec(readme);
  assert.ok(match, 'the README has a destination set example');
  return JSON.parse(match[1]!);
}

/** The body of the `/v1/events` curl example, with the shell's `$(date +%s)` evaluated. */
function curlEventExample(now: number): { events: Array<Record<string, unknown>> } {
  const start = readme.indexOf('curl -s https://ssp.acme.com/v1/events');
  assert.ok(start >= 0, 'the README has the /v1/events curl example');
  const block = readme.slice(start, readme.indexOf('\n```', start));
  const data = block.slice(block.indexOf("-d '") + 4, block.lastIndexOf("'"));
  return JSON.parse(data.replaceAll(`'"$(date +%s)"'`, String(now)));
}

describe('README examples', () => {
  let fakes: FakePlatforms;
  let service: TestService;
  before(async () => {
    fakes = await startFakePlatforms();
    service = await startTestService({ env: { ...fakes.urls, PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
  });
  after(async () => {
    await service.destroy();
    await fakes.close();
  });

  test('destination set configures a live Meta destination (no test event code)', () => {
    const config = destinationSetExample();
    assert.equal('testEventCode' in config, false, 'a copied example must not send live events as tests');
  });

  test('the PageVisit curl example is delivered to Meta with identifiers, not skipped', async () => {
    const tenant = await createTenant(service, { destinations: { meta: destinationSetExample() } });
    const body = curlEventExample(Math.floor(Date.now() / 1000));
    assert.equal(body.events[0]!.eventName, 'PageVisit');
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(tenant),
      payload: body,
    });
    assert.equal(res.statusCode, 200, res.body);
    const delivery = await eventually(async () => {
      const row = await service.storage.db
        .selectFrom('deliveries')
        .select(['status', 'last_error'])
        .where('domain_id', '=', tenant.domain.id)
        .executeTakeFirst();
      return row && row.status !== 'pending' ? row : undefined;
    });
    assert.equal(delivery.status, 'delivered', String(delivery.last_error));
    const sent = fakes.meta.accepted.at(-1) as { event_name: string; user_data: Record<string, unknown> };
    assert.equal(sent.event_name, 'PageView');
    assert.equal(sent.user_data.client_ip_address, '203.0.113.42');
    assert.ok(sent.user_data.client_user_agent);
    assert.ok(sent.user_data.fbp);
  });
});
