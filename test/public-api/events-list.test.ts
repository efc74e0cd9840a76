import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTenant, startTestService, type Tenant, type TestService } from '../harness.js';
import { apiEvent, bearer, createKey } from './helpers.js';

const META = { pixelId: '1234567890', accessToken: 'EAAB-test-token-1234' };

interface Page {
  data: Array<Record<string, unknown> & { id: string; eventId: string }>;
  pagination: { limit: number; hasMore: boolean; nextCursor: string | null };
}

describe('GET /api/v1/events', () => {
  let service: TestService;
  let tenant: Tenant;
  let key: string;

  before(async () => {
    service = await startTestService({ role: 'api', env: { API_RATE_LIMIT_PER_HOUR: '10000' } });
    tenant = await createTenant(service, { destinations: { meta: META } });
    key = (await createKey(service, tenant.org.id)).key;
  });
  after(() => service.destroy());

  const post = async (events: Array<Record<string, unknown>>, apiKey = key): Promise<void> => {
    const res = await service.app!.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: bearer(apiKey),
      payload: events,
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().summary.failed, 0, res.body);
  };
  const list = async (query: string, apiKey = key): Promise<Page> => {
    const res = await service.app!.inject({
      method: 'GET',
      url: `/api/v1/events?${query}`,
      headers: bearer(apiKey),
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as Page;
  };

  test('500 events paged with inserts in between: newest first, none repeated, none skipped', async () => {
    const org = await createTenant(service);
    const { key: orgKey } = await createKey(service, org.org.id);
    const initial = new Set<string>();
    for (let batch = 0; batch < 5; batch += 1) {
      const events = Array.from({ length: 100 }, (_, i) =>
        apiEvent({ eventName: 'PageVisit', eventId: `init-${batch}-${i}`, customData: undefined }),
      );
      for (const e of events) initial.add(e.eventId as string);
      await post(events, orgKey);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let previous: { receivedAt: string; id: string } | null = null;
    do {
      const page: Page = await list(
        `limit=37${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        orgKey,
      );
      pages += 1;
      for (const event of page.data) {
        const position = { receivedAt: event.receivedAt as string, id: event.id };
        if (previous) {
          const older =
            position.receivedAt < previous.receivedAt ||
            (position.receivedAt === previous.receivedAt && position.id < previous.id);
          assert.ok(older, 'newest first');
        }
        previous = position;
        seen.push(event.eventId);
      }
      // New events keep arriving while the client pages.
      await post(
        Array.from({ length: 3 }, (_, i) =>
          apiEvent({ eventName: 'PageVisit', eventId: `late-${pages}-${i}`, customData: undefined }),
        ),
        orgKey,
      );
      cursor = page.pagination.hasMore ? page.pagination.nextCursor : null;
      if (!page.pagination.hasMore) assert.equal(page.pagination.nextCursor, null);
    } while (cursor);
    assert.equal(pages, Math.ceil(500 / 37));
    assert.equal(new Set(seen).size, seen.length, 'no event twice');
    assert.deepEqual(new Set(seen), initial, 'exactly the events that existed when paging began');
  });

  test('limit 1–200 (default 50), a bad cursor and unknown parameters are validation_failed', async () => {
    for (const query of [
      'limit=0',
      'limit=201',
      'limit=abc',
      'cursor=nonsense',
      'source=EMAIL',
      'foo=bar',
      'from=yesterday',
    ]) {
      const res = await service.app!.inject({
        method: 'GET',
        url: `/api/v1/events?${query}`,
        headers: bearer(key),
      });
      assert.equal(res.statusCode, 400, query);
      assert.equal(res.json().error.code, 'validation_failed', query);
    }
    assert.equal((await list('')).pagination.limit, 50);
  });

  test('filters: eventName (standard, alias, custom), source, from/to, domainId', async () => {
    const org = await createTenant(service);
    const { key: orgKey } = await createKey(service, org.org.id);
    await service.storage.db
      .insertInto('custom_event_definitions')
      .values({
        id: 'cev_filtertest',
        org_id: org.org.id,
        name: 'Webinar',
        description: null,
        is_active: 1,
        created_at: Date.now(),
        updated_at: Date.now(),
      })
      .execute();
    await post(
      [
        apiEvent({ eventName: 'PageView', eventId: 'f-pv' }),
        apiEvent({ eventName: 'Purchase', eventId: 'f-p' }),
        apiEvent({ eventName: 'Webinar', eventId: 'f-w' }),
      ],
      orgKey,
    );
    const proxy = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { host: org.domain.host, 'content-type': 'application/json', 'x-ssp-token': org.proxyToken },
      payload: {
        events: [{ eventName: 'Purchase', eventTime: Math.floor(Date.now() / 1000), eventId: 'f-proxy' }],
      },
    });
    assert.equal(proxy.statusCode, 200);
    // One event arrived "yesterday".
    await service.storage.db
      .updateTable('events')
      .set({ received_at: Date.parse('2026-01-10T12:00:00Z') })
      .where('org_id', '=', org.org.id)
      .where('event_id', '=', 'f-p')
      .execute();

    const ids = async (query: string): Promise<string[]> =>
      (await list(query, orgKey)).data.map((e) => e.eventId).sort();
    assert.deepEqual(await ids('eventName=Purchase'), ['f-p', 'f-proxy']);
    assert.deepEqual(await ids('eventName=PageView'), ['f-pv']);
    assert.deepEqual(await ids('eventName=PageVisit'), ['f-pv']);
    assert.deepEqual(await ids('eventName=Webinar'), ['f-w']);
    assert.deepEqual(await ids('source=PROXY'), ['f-proxy']);
    assert.deepEqual(await ids('source=API'), ['f-p', 'f-pv', 'f-w']);
    assert.deepEqual(await ids('source=MERGED'), []);
    assert.deepEqual(await ids('from=2026-01-10&to=2026-01-10'), ['f-p']);
    assert.deepEqual(await ids('from=2026-01-10T12:00:00Z&to=2026-01-10T12:00:00.001Z'), ['f-p']);
    assert.deepEqual(await ids('to=2026-01-10T12:00:00Z'), []);
    assert.deepEqual(await ids(`domainId=${org.domain.id}&eventName=Webinar`), ['f-w']);
    const reversed = await service.app!.inject({
      method: 'GET',
      url: '/api/v1/events?from=2026-02-01&to=2026-01-01',
      headers: bearer(orgKey),
    });
    assert.equal(reversed.statusCode, 400);
  });

  test('no cleartext personal data or click ids; match-key names, customData as sent, destination outcomes', async () => {
    const event = apiEvent({
      eventId: 'pii-check',
      eventSourceUrl:
        'https://shop.example.com/thanks?utm_source=meta&fbclid=IwAR-secret-click&em=jane.doe%40example.com',
      userData: {
        email: 'Jane.Doe@Example.com',
        phone: '+49 30 99999999',
        firstName: 'Jane',
        ipAddress: '203.0.113.42',
        fbc: 'fb.1.1700000000.SecretClick',
        ttclid: 'tt-secret-click',
      },
      customData: { currency: 'EUR', value: 12.5, orderId: 'ORDER-PII', anything: { nested: [1, 2] } },
    });
    await post([event]);
    const pk = (
      await service.storage.db
        .selectFrom('events')
        .select('id')
        .where('event_id', '=', 'pii-check')
        .executeTakeFirstOrThrow()
    ).id;
    await service.storage.db
      .updateTable('deliveries')
      .set({ status: 'failed', attempts: 1, last_status_code: 400, last_error: 'Invalid parameter' })
      .where('event_pk', '=', pk)
      .execute();
    const res = await service.app!.inject({
      method: 'GET',
      url: '/api/v1/events?limit=200',
      headers: bearer(key),
    });
    for (const secret of [
      'Jane',
      'jane',
      '99999999',
      '203.0.113.42',
      'SecretClick',
      'tt-secret-click',
      'IwAR',
      'example.com%40',
      'jane.doe',
    ]) {
      assert.ok(!res.body.includes(secret), `${secret} is not in the response`);
    }
    const shown = res.json().data.find((e: { eventId: string }) => e.eventId === 'pii-check');
    assert.deepEqual(shown.matchKeys, ['email', 'phone', 'firstName', 'ipAddress', 'fbc', 'ttclid']);
    assert.deepEqual(shown.customData, event.customData);
    assert.equal(shown.eventSourceUrl, 'https://shop.example.com/thanks?utm_source=meta');
    assert.equal(shown.source, 'API');
    assert.deepEqual(
      shown.destinations.map((d: Record<string, unknown>) => [
        d.type,
        d.status,
        d.attempts,
        d.lastStatusCode,
        d.lastError,
      ]),
      [['meta', 'failed', 1, 400, 'Invalid parameter']],
    );
  });
});
