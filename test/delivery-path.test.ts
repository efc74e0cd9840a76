/**
 * One delivery path: the worker and "send test event" deliver through the same step (deliverBatch) and
 * hold a destination whose credentials are refused through the same storage function, guarded by the
 * configuration version so credentials changed during a send are not held for the old ones' failure.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { type FakePlatform, startFakeMeta } from '../src/dev/fakes/index.js';
import { checkDestinations } from '../src/management/domains/destination-check.js';
import { validateAndSaveDestination } from '../src/management/domains/validate-and-save-destination.js';
import type { DestinationRow } from '../src/storage/schema.js';
import {
  createTenant,
  deliveryOfEvent,
  eventually,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from './harness.js';
import { sourceFiles } from './source-files.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-good-token-1234' };
const REVOKED = { ...META, accessToken: 'EAAB-revoked-0000' };
const root = new URL('..', import.meta.url).pathname;

test('outside the destinations, only deliverBatch builds requests and classifies answers', () => {
  const callers = sourceFiles(join(root, 'src'))
    .map((path) => relative(root, path))
    .filter((path) => !path.startsWith('src/destinations/'))
    .filter((path) => /\.(build|classify)\(/.test(readFileSync(join(root, path), 'utf8')));
  assert.deepEqual(callers, ['src/delivery/deliver-batch.ts']);
  for (const user of ['src/delivery/worker.ts', 'src/management/domains/destination-check.ts']) {
    assert.match(readFileSync(join(root, user), 'utf8'), /\bdeliverBatch\(/, `${user} calls deliverBatch`);
  }
});

describe('the worker and the test event share the delivering step', () => {
  let fake: FakePlatform;
  let service: TestService;

  before(async () => {
    fake = await startFakeMeta({ validTokens: [META.accessToken] });
    service = await startTestService({
      env: { META_GRAPH_URL: fake.url, PROXY_RATE_LIMIT_PER_MINUTE: '0' },
    });
  });
  after(async () => {
    await service.destroy();
    await fake.close();
  });
  afterEach(() => fake.reset());

  const destinationRow = async (id: string): Promise<DestinationRow> =>
    service.storage.db.selectFrom('destinations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const send = async (t: Tenant, eventId: string) => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(t),
      payload: { events: [purchaseEvent({ eventId })] },
    });
    assert.equal(res.statusCode, 200, res.body);
  };
  const deliveryOf = (eventId: string) => deliveryOfEvent(service, eventId);
  const testEvent = async (t: Tenant, row: DestinationRow) => {
    const checks = await checkDestinations(
      { config: service.config, sealer: service.sealer, db: service.storage.db, now: Date.now() },
      t.domain,
      [row],
    );
    return checks.get(row.id)!;
  };
  const renew = async (t: Tenant) => {
    const renewed = await validateAndSaveDestination(service.storage.db, service.sealer, {
      orgId: t.org.id,
      domainId: t.domain.id,
      type: 'meta',
      config: META,
      now: Date.now(),
    });
    assert.ok(renewed.ok);
  };

  test('a refused token holds the destination the same way from the worker and from the test event', async () => {
    const viaWorker = await createTenant(service, { destinations: { meta: REVOKED } });
    await send(viaWorker, 'path-worker-1');
    const held = await eventually(async () => {
      const row = await destinationRow(viaWorker.destinations.meta!);
      return row.status === 'needs_attention' ? row : undefined;
    });
    // The event that met the refusal waits behind the held destination, its attempt recorded.
    const waiting = await eventually(async () => {
      const d = await deliveryOf('path-worker-1');
      return d.attempts === 1 ? d : undefined;
    });
    assert.equal(waiting.status, 'pending');

    const viaTest = await createTenant(service, { destinations: { meta: REVOKED } });
    const result = await testEvent(viaTest, await destinationRow(viaTest.destinations.meta!));
    assert.equal(result.ok, false);
    assert.equal(result.credentialsRejected, true);
    assert.equal(result.statusCode, 400, 'Meta answers a bad token with HTTP 400, code 190');
    const heldByTest = await destinationRow(viaTest.destinations.meta!);
    assert.equal(heldByTest.status, 'needs_attention');
    // The same classification of the same answer, recorded by the same function (each answer has its own
    // trace id).
    const expected = 'Invalid OAuth access token - Cannot parse access token (code 190, fbtrace_id …)';
    const untraced = (message: string | null) => message?.replace(/fbtrace_id [^)]+/, 'fbtrace_id …');
    assert.equal(untraced(held.last_error), expected);
    assert.equal(untraced(heldByTest.last_error), expected);
    assert.equal(result.error, heldByTest.last_error);
    assert.equal(fake.received.length, 2);
    assert.deepEqual(
      fake.received.map((r) => r.testMode),
      [false, true],
      'the test event alone goes in test mode',
    );
  });

  test('the worker: credentials changed while a send was in flight are not held for the old ones', async () => {
    const t = await createTenant(service, { destinations: { meta: REVOKED } });
    fake.enqueue({ kind: 'hang', ms: 600 });
    await send(t, 'path-race-1');
    await eventually(async () => fake.received.length === 1);
    await renew(t);
    // Refused with the old token, it waited and went out again with the new one.
    const resent = await eventually(async () => {
      const d = await deliveryOf('path-race-1');
      return d.status === 'delivered' ? d : undefined;
    });
    assert.equal(resent.attempts, 2);
    const row = await destinationRow(t.destinations.meta!);
    assert.equal(row.status, 'active');
    assert.equal(row.last_error, null);
    await send(t, 'path-race-2');
    await eventually(async () => (await deliveryOf('path-race-2')).status === 'delivered');
  });

  test('the test event: credentials changed while it was in flight are not held for the old ones', async () => {
    const t = await createTenant(service, { destinations: { meta: REVOKED } });
    const stale = await destinationRow(t.destinations.meta!);
    fake.enqueue({ kind: 'hang', ms: 600 });
    const pending = testEvent(t, stale);
    await eventually(async () => fake.received.length === 1);
    await renew(t);
    const result = await pending;
    assert.equal(result.credentialsRejected, true, 'the old token was refused');
    const row = await destinationRow(t.destinations.meta!);
    assert.equal(row.status, 'active');
    assert.equal(row.last_error, null);
  });
});
