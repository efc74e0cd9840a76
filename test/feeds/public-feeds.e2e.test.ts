/**
 * GET /api/public/feeds/:slug end to end: the three formats parsed back (XML parser, CSV parser, JSON
 * Schema), seed 004's headers, cache MISS/HIT, 304, gzip, invalidation by an edit, a sync and the TTL,
 * 404s and the 30/min rate limit in seed 004's error shape, and the management view's counts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { FEED_JSON_SCHEMA } from '../../src/feeds/formats/json.js';
import { bumpFeedsOfChannel } from '../../src/storage/repos/feeds.js';
import {
  createSession,
  createTenant,
  ManualClock,
  startTestService,
  type Tenant,
  type TestService,
  type TestSession,
} from '../harness.js';
import { insertChannel } from '../stores/helpers.js';
import { insertProducts, nastyCatalogue } from './helpers.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const BASE = 'https://tagbridge.example.com';

let service: TestService;
let tenant: Tenant;
let admin: TestSession;
let channelId: string;
const clock = new ManualClock(Date.UTC(2026, 11, 6, 12, 0, 0));
let ipCounter = 0;
/** Each test its own client address, so the per-IP limit only bites where a test means it to. */
const nextIp = (): string => `198.51.100.${++ipCounter}`;

async function createFeed(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await service.app!.inject({
    method: 'POST',
    url: '/v1/feeds',
    headers: admin.headers,
    payload: { channelId, published: true, ...body },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

function get(slug: string, ip: string, headers: Record<string, string> = {}) {
  return service.app!.inject({ method: 'GET', url: `/api/public/feeds/${slug}`, headers, remoteAddress: ip });
}

before(async () => {
  service = await startTestService({ role: 'api', clock, env: { PUBLIC_BASE_URL: BASE } });
  tenant = await createTenant(service);
  admin = await createSession(service, { orgId: tenant.org.id, role: 'admin' });
  channelId = await insertChannel(service, { orgId: tenant.org.id, name: 'Test & Co', scheduled: false });
  await insertProducts(service, nastyCatalogue(channelId, tenant.org.id));
});
after(() => service.destroy());

describe('public feeds', () => {
  test('Google Merchant RSS: headers, every required attribute, escaping, prices, variants', async () => {
    await createFeed({
      slug: 'google-shopping-feed',
      name: 'Shop <&> feed',
      format: 'google',
      overrides: { brand: 'Acme' },
    });
    const res = await get('google-shopping-feed', nextIp());
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/xml; charset=utf-8');
    assert.equal(res.headers['content-disposition'], 'inline; filename="google-shopping-feed.xml"');
    assert.equal(res.headers['cache-control'], 'public, max-age=300');
    assert.equal(res.headers['x-feed-products'], '5');
    assert.equal(res.headers['x-feed-generated'], '2026-12-06T12:00:00Z');
    assert.equal(res.headers['x-cache'], 'MISS');
    assert.match(String(res.headers.etag), /^"[\w-]+"$/);
    assert.doesNotMatch(
      res.body,
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them is the point
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/,
      'no characters XML 1.0 forbids',
    );

    const parser = new XMLParser({
      ignoreAttributes: false,
      parseTagValue: false,
      isArray: (name) => name === 'item' || name === 'g:additional_image_link',
    });
    const doc = parser.parse(res.body);
    assert.equal(doc.rss['@_xmlns:g'], 'http://base.google.com/ns/1.0');
    assert.equal(doc.rss['@_version'], '2.0');
    assert.equal(doc.rss.channel.title, 'Shop <&> feed');
    const items: Array<Record<string, unknown>> = doc.rss.channel.item;
    assert.deepEqual(
      items.map((i) => i['g:id']),
      ['p-001', 'p-002', 'p-006', 'v-101', 'v-102'],
    );
    for (const item of items) {
      for (const field of [
        'g:id',
        'g:title',
        'g:description',
        'g:link',
        'g:image_link',
        'g:availability',
        'g:price',
        'g:condition',
        'g:brand',
      ]) {
        assert.ok(typeof item[field] === 'string' && item[field] !== '', `${item['g:id']} has ${field}`);
      }
      assert.match(String(item['g:price']), /^\d+\.\d{2} [A-Z]{3}$/);
      assert.ok(
        ['in_stock', 'out_of_stock', 'backorder', 'preorder'].includes(String(item['g:availability'])),
      );
      assert.ok(
        item['g:gtin'] || item['g:mpn'] || item['g:identifier_exists'] === 'no',
        `${item['g:id']} identifiers`,
      );
    }
    const [p1, p2, p6, v1, v2] = items as [
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    assert.equal(p1['g:title'], `Tom & Jerry's <Best> "Mug"`);
    assert.equal(p1['g:description'], 'Great & bold mug');
    assert.equal(p1['g:price'], '15.00 USD');
    assert.equal(p1['g:brand'], 'Acme', 'the feed default brand');
    assert.equal(p1['g:gtin'], '4006381333931');
    assert.equal(p1['g:identifier_exists'], undefined);
    assert.equal(p1['g:product_type'], 'Kitchen > Mugs');
    assert.equal(p1['g:shipping_weight'], '0.4 kg');
    assert.deepEqual(p1['g:additional_image_link'], ['https://shop.example.com/img/p-001-b.jpg']);
    assert.equal(p1['g:condition'], 'new');
    assert.equal(p2['g:price'], '10.00 EUR');
    assert.equal(p2['g:sale_price'], '7.50 EUR');
    assert.equal(p2['g:sale_price_effective_date'], '2026-01-01T00:00:00Z/2099-01-31T00:00:00Z');
    assert.equal(p2['g:availability'], 'backorder');
    assert.equal(p2['g:title'], 'Shirt, "blue" edition');
    assert.equal(p6['g:identifier_exists'], 'no');
    assert.equal(p6['g:condition'], 'used');
    assert.equal(v1['g:item_group_id'], 'p-100');
    assert.equal(v1['g:color'], 'Green');
    assert.equal(v1['g:size'], 'M');
    assert.equal(v1['g:availability'], 'out_of_stock');
    assert.equal(v1['g:title'], 'Hoodie – Green M');
    assert.equal(v2['g:item_group_id'], 'p-100');
    assert.equal(v2['g:availability'], 'preorder');
    assert.equal(p1['g:item_group_id'], undefined);
  });

  test('the management view shows the last generation: products, skipped and why', async () => {
    const feed = await createFeed({ slug: 'counted-feed', format: 'google' });
    await get('counted-feed', nextIp());
    const res = await service.app!.inject({
      method: 'GET',
      url: `/v1/feeds/${feed.id}`,
      headers: admin.headers,
    });
    const view = res.json();
    assert.equal(view.publicUrl, `${BASE}/api/public/feeds/counted-feed`);
    assert.equal(view.productCount, 5);
    assert.equal(view.skippedCount, 3);
    assert.deepEqual(view.skippedReasons, { price: 1, link: 1, image_link: 1 });
    assert.equal(view.lastGeneratedAt, '2026-12-06T12:00:00.000Z');
  });

  test('Meta CSV: header row, RFC 4180 quoting round-trips through csv-parse, availability with spaces', async () => {
    await createFeed({ slug: 'meta-catalogue', format: 'meta' });
    const res = await get('meta-catalogue', nextIp());
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(res.headers['content-disposition'], 'inline; filename="meta-catalogue.csv"');
    assert.ok(
      res.body.startsWith(
        'id,title,description,availability,condition,price,link,image_link,brand,sale_price,sale_price_effective_date,item_group_id,gtin,mpn,additional_image_link,product_type\r\n',
      ),
    );
    const rows: Array<Record<string, string>> = parseCsv(res.body, { columns: true });
    assert.deepEqual(
      rows.map((r) => r.id),
      ['p-001', 'p-002', 'p-006', 'v-101', 'v-102'],
    );
    const p2 = rows[1]!;
    assert.equal(p2.title, 'Shirt, "blue" edition');
    assert.equal(p2.description, 'Line one,\nline "two"');
    assert.equal(p2.availability, 'available for order');
    assert.equal(p2.price, '10.00 EUR');
    assert.equal(p2.sale_price, '7.50 EUR');
    assert.equal(p2.sale_price_effective_date, '2026-01-01T00:00:00Z/2099-01-31T00:00:00Z');
    assert.equal(p2.mpn, 'MPN-2');
    assert.equal(rows[0]!.title, `Tom & Jerry's <Best> "Mug"`);
    assert.equal(rows[0]!.availability, 'in stock');
    assert.equal(rows[3]!.availability, 'out of stock');
    assert.equal(rows[3]!.item_group_id, 'p-100');
    assert.equal(rows[4]!.availability, 'preorder');
    assert.equal(rows[2]!.condition, 'used');
  });

  test('JSON: validates against its documented schema; products without an image are kept', async () => {
    await createFeed({ slug: 'json-feed', format: 'json' });
    const res = await get('json-feed', nextIp());
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.headers['content-disposition'], 'inline; filename="json-feed.json"');
    const body = res.json();
    const ajv = addFormats(new Ajv2020({ strict: true, allErrors: true }));
    const validate = ajv.compile(FEED_JSON_SCHEMA);
    assert.ok(validate(body), JSON.stringify(validate.errors));
    assert.equal(body.count, 6);
    assert.equal(body.generatedAt, '2026-12-06T12:00:00.000Z');
    assert.deepEqual(
      body.products.map((p: { id: string }) => p.id),
      ['p-001', 'p-002', 'p-005', 'p-006', 'v-101', 'v-102'],
    );
    assert.equal(body.products[2].imageLink, null);
    assert.deepEqual(body.products[1].salePriceEffectiveDate, {
      from: '2026-01-01T00:00:00Z',
      to: '2099-01-31T00:00:00Z',
    });
  });

  test('filters: in stock only, categories, price range', async () => {
    await createFeed({ slug: 'filtered-feed', format: 'json', filters: { inStockOnly: true, maxPrice: 12 } });
    const body = (await get('filtered-feed', nextIp())).json();
    assert.deepEqual(
      body.products.map((p: { id: string }) => p.id),
      ['p-005', 'p-006'],
    );
    await createFeed({ slug: 'mugs-feed', format: 'json', filters: { categories: ['mugs'] } });
    const mugs = (await get('mugs-feed', nextIp())).json();
    assert.deepEqual(
      mugs.products.map((p: { id: string }) => p.id),
      ['p-001'],
    );
  });

  test('cache: MISS then HIT with the same ETag; 304 on If-None-Match; gzip bytes when accepted', async () => {
    await createFeed({ slug: 'cached-feed', format: 'google' });
    const ip = nextIp();
    const first = await get('cached-feed', ip);
    const second = await get('cached-feed', ip);
    assert.equal(first.headers['x-cache'], 'MISS');
    assert.equal(second.headers['x-cache'], 'HIT');
    assert.equal(second.headers.etag, first.headers.etag);
    assert.equal(second.body, first.body);
    assert.equal(second.headers['x-feed-generated'], first.headers['x-feed-generated']);

    const notModified = await get('cached-feed', ip, { 'if-none-match': String(first.headers.etag) });
    assert.equal(notModified.statusCode, 304);
    assert.equal(notModified.body, '');
    assert.equal(notModified.headers.etag, first.headers.etag);
    const otherTag = await get('cached-feed', ip, { 'if-none-match': '"something-else"' });
    assert.equal(otherTag.statusCode, 200);

    const gz = await get('cached-feed', ip, { 'accept-encoding': 'br, gzip;q=0.8' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers.vary, 'Accept-Encoding');
    assert.equal(gunzipSync(gz.rawPayload).toString('utf8'), first.body);
    const refused = await get('cached-feed', ip, { 'accept-encoding': 'gzip;q=0' });
    assert.equal(refused.headers['content-encoding'], undefined);
    assert.equal(refused.body, first.body);
  });

  test('an edit, a catalogue sync and the 5-minute TTL each make the next request generate afresh', async () => {
    const feed = await createFeed({ slug: 'edited-feed', format: 'meta' });
    const ip = nextIp();
    assert.equal((await get('edited-feed', ip)).headers['x-cache'], 'MISS');
    assert.equal((await get('edited-feed', ip)).headers['x-cache'], 'HIT');

    const patch = await service.app!.inject({
      method: 'PATCH',
      url: `/v1/feeds/${feed.id}`,
      headers: admin.headers,
      payload: { filters: { inStockOnly: true } },
    });
    assert.equal(patch.statusCode, 200, patch.body);
    const edited = await get('edited-feed', ip);
    assert.equal(edited.headers['x-cache'], 'MISS');
    // In stock, with the fields Meta needs: p-001 and p-006.
    assert.equal(edited.headers['x-feed-products'], '2');

    await bumpFeedsOfChannel(service.storage.db, channelId);
    assert.equal((await get('edited-feed', ip)).headers['x-cache'], 'MISS');
    assert.equal((await get('edited-feed', ip)).headers['x-cache'], 'HIT');

    clock.advance(299_000);
    assert.equal((await get('edited-feed', ip)).headers['x-cache'], 'HIT');
    clock.advance(1_000);
    const expired = await get('edited-feed', ip);
    assert.equal(expired.headers['x-cache'], 'MISS');
    assert.equal(expired.headers['x-feed-generated'], '2026-12-06T12:05:00Z');
  });

  test('404 in seed 004 shape for unknown, malformed and unpublished slugs', async () => {
    await createFeed({ slug: 'draft-feed', format: 'google', published: false });
    for (const slug of ['no-such-feed', 'draft-feed', 'UPPER', '..%2F..']) {
      const res = await get(slug, nextIp());
      assert.equal(res.statusCode, 404, slug);
      assert.deepEqual(res.json(), {
        statusCode: 404,
        message: 'Feed not found or not published',
        error: 'Not Found',
      });
    }
  });

  test('30 requests per minute per IP, then 429 with Retry-After in seed 004 shape', async () => {
    await createFeed({ slug: 'limited-feed', format: 'json' });
    const ip = nextIp();
    for (let i = 0; i < 30; i += 1)
      assert.equal((await get('limited-feed', ip)).statusCode, 200, `request ${i + 1}`);
    const limited = await get('limited-feed', ip);
    assert.equal(limited.statusCode, 429);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${limited.headers['retry-after']}`);
    const body = limited.json();
    assert.equal(body.statusCode, 429);
    assert.equal(body.error, 'Too Many Requests');
    assert.match(body.message, /30 requests per minute/);
    assert.equal((await get('limited-feed', nextIp())).statusCode, 200, 'another IP is not limited');
    clock.advance(60_000);
    assert.equal((await get('limited-feed', ip)).statusCode, 200, 'the next window');
  });
});

test('docs/feeds.md carries the JSON schema the code validates with', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../docs/feeds.md', import.meta.url), 'utf8');
  const block = /```json\n([\s\S]*?)\n```/.exec(doc.slice(doc.indexOf('## JSON')));
  assert.ok(block, 'a ```json block in the JSON section');
  assert.deepEqual(JSON.parse(block[1]!), FEED_JSON_SCHEMA);
});
