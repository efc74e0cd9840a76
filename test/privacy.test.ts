import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type FakePlatforms, startFakePlatforms } from '../src/dev/fakes/index.js';
import { matchKeyNames } from '../src/ingest/sealed-payload.js';
import {
  capturingLogger,
  createTenant,
  dialect,
  eventually,
  proxyHeaders,
  purchaseEvent,
  sameDatabaseEnv,
  startTestService,
  type Tenant,
  type TestService,
} from './harness.js';
import { sealedValueOf } from './sealed-groups.js';

// Distinctive values: if any of them is found on disk, personal data or a credential leaked.
const PII = {
  email: 'Zelda.Quinnington@privacy-probe.example',
  phone: '+44 20 7946 0958',
  firstName: 'Zeldaprobe',
  lastName: 'Quinnington',
  city: 'Probetown',
  zip: 'SW1A 1AA',
  ipAddress: '203.0.113.199',
  userAgent: 'ProbeAgent/9.9 (privacy-probe)',
  fbc: 'fb.1.1700000000.ProbeClickId',
  fbp: 'fb.1.1700000000.9999999999',
  externalId: 'customer-probe-4711',
};
const SECRETS = ['EAAB-probe-secret-token-777', 'tt-probe-secret-token-888'];

// Personal data outside the personal fields: a page URL's query and customData's free text (issue 14 §3).
const PAGE = {
  url: `https://shop.example.com/checkout/order-received/4711/?key=wc_order_probekey&email=${encodeURIComponent(PII.email)}`,
  search: 'zeldaprobe lamp shade',
  coupon: 'probe.coupon.owner@privacy-probe.example',
};

function needles(): string[] {
  const values = [...Object.values(PII), ...SECRETS, PAGE.search, PAGE.coupon, 'wc_order_probekey'];
  return [
    ...values,
    ...values.map((v) => v.toLowerCase()),
    encodeURIComponent(PII.email),
    '2079460958',
    '442079460958',
    'quinnington@',
  ];
}

/** Every file under `dir`, its subfolders included. */
function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? allFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe('personal data never reaches the database in cleartext', () => {
  let fakes: FakePlatforms;
  let service: TestService;
  let delivered: Tenant;
  let failing: Tenant;
  // The logs at the default level (info), as an operator would collect them.
  const logs = capturingLogger();

  before(async () => {
    fakes = await startFakePlatforms({ validTokens: [SECRETS[0]!, SECRETS[1]!] });
    service = await startTestService({
      env: { ...fakes.urls, PROXY_RATE_LIMIT_PER_MINUTE: '0' },
      logger: logs.logger,
    });
    delivered = await createTenant(service, {
      destinations: {
        meta: { pixelId: '1234567890', accessToken: SECRETS[0] },
        tiktok: { pixelCode: 'CABC1234567', accessToken: SECRETS[1] },
      },
    });
    // Rejected credentials: its events stay in the queue, sealed.
    failing = await createTenant(service, {
      destinations: { meta: { pixelId: '1234567890', accessToken: 'EAAB-wrong-token-000' } },
    });
  });
  after(async () => {
    await service.destroy();
    await fakes.close();
  });

  test('after a run (delivered, failed and still queued events) no file or row holds a probe value', async () => {
    const base = purchaseEvent();
    const event = purchaseEvent({
      eventId: 'privacy-1',
      userData: { ...PII, country: 'GB' },
      eventSourceUrl: PAGE.url,
      customData: {
        ...(base.customData as Record<string, unknown>),
        searchString: PAGE.search,
        coupon: PAGE.coupon,
      },
    });
    for (const tenant of [delivered, failing]) {
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: { events: [event, { ...event, eventId: 'privacy-2', eventName: 'AddToCart' }] },
      });
      assert.equal(res.statusCode, 200);
    }
    await eventually(async () => fakes.meta.accepted.length === 2 && fakes.tiktok.accepted.length === 2);
    // The platforms still get the page URL as sent (query included) and the sealed customData fields.
    const sentToMeta = JSON.stringify(fakes.meta.accepted);
    assert.ok(sentToMeta.includes('wc_order_probekey'), 'Meta gets the full page URL');
    assert.ok(sentToMeta.includes(PAGE.search), 'Meta gets the search string');
    const { db } = service.storage;
    // The failing tenant's destination is now held: a third event waits in the queue, sealed.
    await eventually(async () => {
      const row = await db
        .selectFrom('destinations')
        .select('status')
        .where('domain_id', '=', failing.domain.id)
        .executeTakeFirst();
      return row?.status === 'needs_attention';
    });
    const held = await service.app!.inject({
      method: 'POST',
      url: '/v1/events',
      headers: proxyHeaders(failing),
      payload: { events: [{ ...event, eventId: 'privacy-3' }] },
    });
    assert.equal(held.statusCode, 200);
    await eventually(async () => {
      const pending = await db
        .selectFrom('deliveries')
        .select(sql<number>`count(*)`.as('n'))
        .where('domain_id', '=', delivered.domain.id)
        .where('status', '=', 'pending')
        .executeTakeFirstOrThrow();
      return Number(pending.n) === 0;
    });

    // Delivered events are erased; the failing tenant's queued events keep only the sealed blob.
    const rows = await db
      .selectFrom('events')
      .select(['domain_id', 'pii_sealed', 'pii_group', 'pii_slot', 'match_keys'])
      .execute();
    for (const row of rows.filter((r) => r.domain_id === delivered.domain.id)) {
      assert.equal(row.pii_sealed, null);
      assert.equal(row.pii_slot, null);
    }
    const queued = rows.filter((r) => r.domain_id === failing.domain.id && r.pii_slot !== null);
    assert.ok(queued.length > 0);
    for (const row of queued) {
      const sealed = await sealedValueOf(db, row);
      assert.ok(Buffer.isBuffer(sealed) && sealed[0] === 0x02);
    }
    assert.ok(
      rows.every(
        (r) => matchKeyNames(r.match_keys).includes('email') && matchKeyNames(r.match_keys).includes('phone'),
      ),
    );

    // The stored page URL keeps origin and path for diagnostics.
    const urls = await db.selectFrom('events').select('event_source_url').execute();
    assert.ok(
      urls.every((r) => r.event_source_url === 'https://shop.example.com/checkout/order-received/4711/'),
    );

    const logText = JSON.stringify(logs.lines);
    assert.ok(logs.lines.length > 0, 'the service logged at the default level');
    for (const needle of needles()) assert.ok(!logText.includes(needle), `the logs contain ${needle}`);

    if (dialect === 'sqlite') {
      await service.close();
      // Every file under DATA_DIR: the database, its WAL and shared memory, the generated key, anything else.
      const files = allFiles(service.dataDir);
      assert.ok(files.some((f) => f.endsWith('tagbridge.db')));
      for (const file of files) {
        const bytes = readFileSync(file).toString('latin1');
        for (const needle of needles()) assert.ok(!bytes.includes(needle), `${file} contains ${needle}`);
      }
    } else {
      // Every table of the schema, as the database lists them (not a list kept here).
      const listed = await sql<{ table_name: string }>`select table_name from information_schema.tables
        where table_schema = ${service.schema} and table_type = 'BASE TABLE'`.execute(db);
      const tables = listed.rows.map((r) => r.table_name);
      assert.ok(tables.length >= 30 && tables.includes('events') && tables.includes('visitors'), `${tables}`);
      for (const table of tables) {
        const dump = await sql<{
          row: string;
        }>`select row_to_json(t)::text as row from ${sql.table(table)} t`.execute(db);
        const text = dump.rows.map((r) => r.row).join('\n');
        for (const needle of needles()) assert.ok(!text.includes(needle), `${table} contains ${needle}`);
      }
    }
  });
});

describe('the SQLite files are readable by their owner only', () => {
  test('the data directory is 0700; the database and its WAL are 0600, an older 0644 file is narrowed', async (t) => {
    if (dialect !== 'sqlite') return t.skip('SQLite files only');
    const service = await startTestService();
    try {
      await service.app!.inject({ method: 'GET', url: '/health' });
      const file = join(service.dataDir, 'tagbridge.db');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(statSync(`${file}-wal`).mode & 0o777, 0o600);
    } finally {
      await service.close();
    }
    // A database file left world-readable by an earlier version is narrowed when it is opened again.
    const file = join(service.dataDir, 'tagbridge.db');
    chmodSync(file, 0o644);
    const again = await startTestService({ env: sameDatabaseEnv(service) });
    try {
      assert.equal(statSync(file).mode & 0o777, 0o600);
      // A data directory the service creates itself.
      const dataDir = join(service.dataDir, 'nested', 'data');
      const fresh = await startTestService({ env: { DATA_DIR: dataDir } });
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
      await fresh.close();
    } finally {
      await again.destroy();
    }
  });
});
