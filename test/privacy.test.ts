import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type FakePlatforms, startFakePlatforms } from '../src/dev/fakes/index.js';
import { matchKeyNames } from '../src/ingest/sealed-payload.js';
import {
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

function needles(): string[] {
  const values = [...Object.values(PII), ...SECRETS];
  return [...values, ...values.map((v) => v.toLowerCase()), '2079460958', '442079460958', 'quinnington@'];
}

describe('personal data never reaches the database in cleartext', () => {
  let fakes: FakePlatforms;
  let service: TestService;
  let delivered: Tenant;
  let failing: Tenant;

  before(async () => {
    fakes = await startFakePlatforms({ validTokens: [SECRETS[0]!, SECRETS[1]!] });
    service = await startTestService({ env: { ...fakes.urls, PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
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
    const event = purchaseEvent({ eventId: 'privacy-1', userData: { ...PII, country: 'GB' } });
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
    const rows = await db.selectFrom('events').select(['domain_id', 'pii_sealed', 'match_keys']).execute();
    for (const row of rows.filter((r) => r.domain_id === delivered.domain.id))
      assert.equal(row.pii_sealed, null);
    assert.ok(
      rows.some(
        (r) => r.domain_id === failing.domain.id && Buffer.isBuffer(r.pii_sealed) && r.pii_sealed[0] === 0x02,
      ),
    );
    assert.ok(
      rows.every(
        (r) => matchKeyNames(r.match_keys).includes('email') && matchKeyNames(r.match_keys).includes('phone'),
      ),
    );

    if (dialect === 'sqlite') {
      await service.close();
      const files = readdirSync(service.dataDir).filter((f) => f.startsWith('tagbridge.db'));
      assert.ok(files.includes('tagbridge.db'));
      for (const file of files) {
        const bytes = readFileSync(join(service.dataDir, file)).toString('latin1');
        for (const needle of needles()) assert.ok(!bytes.includes(needle), `${file} contains ${needle}`);
      }
    } else {
      const tables = [
        'orgs',
        'domains',
        'destinations',
        'events',
        'dedup_keys',
        'deliveries',
        'delivery_attempts',
      ];
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
