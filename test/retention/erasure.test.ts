/**
 * GDPR erasure and export by identifier (issue 14 §3): after an owner's erasure nothing of the person is
 * left in their org (every table, and on SQLite the database and WAL files); other people's data and other
 * orgs' data are intact; the operator's `tagbridge erase` covers every org.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { shopperKeyOf, shopperKeySecret } from '../../src/attribution/shopper-key.js';
import { cliJson } from '../cli/helpers.js';
import {
  createSession,
  createTenant,
  dialect,
  proxyHeaders,
  purchaseEvent,
  startTestService,
  type Tenant,
  type TestService,
} from '../harness.js';
import { openEventPayload } from '../sealed-groups.js';

const EMAIL = 'Erasmus.Forgetme@erasure-probe.example';
const PHONE = '+44 20 7946 0123';
const OTHER_EMAIL = 'keep.me@erasure-probe.example';
const emailLower = EMAIL.toLowerCase();
const emailHash = createHash('sha256').update(emailLower).digest('hex');
const NEEDLES = [
  EMAIL,
  emailLower,
  emailHash,
  encodeURIComponent(emailLower),
  '442079460123',
  '2079460123',
  PHONE,
];

describe(`erasure and export of a person (${dialect})`, () => {
  let service: TestService;
  let a: Tenant;
  let b: Tenant;

  before(async () => {
    // API role only: no worker, so the events stay queued with their sealed personal data.
    service = await startTestService({ role: 'api', env: { PROXY_RATE_LIMIT_PER_MINUTE: '0' } });
    a = await createTenant(service, {
      destinations: { meta: { pixelId: '1234567890', accessToken: 'EAAB-x' } },
    });
    b = await createTenant(service, {
      destinations: { meta: { pixelId: '1234567890', accessToken: 'EAAB-y' } },
    });
    const send = async (
      tenant: Tenant,
      eventId: string,
      email: string,
      extra: Record<string, unknown> = {},
    ) => {
      const res = await service.app!.inject({
        method: 'POST',
        url: '/v1/events',
        headers: proxyHeaders(tenant),
        payload: {
          events: [
            purchaseEvent({
              eventId,
              userData: { email, phone: email === OTHER_EMAIL ? '+44 20 7946 0999' : PHONE, country: 'GB' },
              ...extra,
            }),
          ],
        },
      });
      assert.equal(res.statusCode, 200, res.body);
    };
    await send(a, 'x-1', EMAIL, {
      eventSourceUrl: `https://shop.example.com/thanks?email=${encodeURIComponent(EMAIL)}`,
    });
    await send(a, 'x-2', EMAIL.toUpperCase());
    await send(a, 'y-1', OTHER_EMAIL);
    await send(b, 'x-b', EMAIL);
    const { db } = service.storage;
    const now = Date.now();
    // A row stored before issue 14 quoting the person in clear (customData as sent, with a hashed copy).
    await db
      .insertInto('events')
      .values({
        id: `evt_legacy${randomBytes(4).toString('hex')}`,
        org_id: a.org.id,
        domain_id: a.domain.id,
        event_name: 'Lead',
        custom_event_name: null,
        event_id: 'legacy-1',
        source: 'PROXY',
        event_time: Math.floor(now / 1000),
        received_at: now,
        event_source_url: `https://shop.example.com/form?mail=${emailLower}`,
        custom_data: JSON.stringify({ note: `from ${EMAIL}`, em: emailHash }),
        match_keys: '',
        pii_sealed: null,
        pii_group: null,
        pii_slot: null,
        pii_erased_at: now,
        consent: null,
        diagnostics: 0,
      })
      .execute();
    // The pixel: a visitor identified as the person (shopper key + sealed identity), a touchpoint, a conversion.
    const visitorRow = `vis_${randomBytes(6).toString('hex')}`;
    const shopperKey = shopperKeyOf(shopperKeySecret(service.config.encryptionKeys[0]!), { email: EMAIL })!;
    await db
      .insertInto('visitors')
      .values({
        id: visitorRow,
        org_id: a.org.id,
        domain_id: a.domain.id,
        visitor_id: 'vid-erasure',
        shopper_key: shopperKey,
        identity_sealed: service.sealer.seal({ email: EMAIL, phone: PHONE }, visitorRow),
        first_seen_at: now,
        last_seen_at: now,
        stitched_at: now,
      })
      .execute();
    await db
      .insertInto('touchpoints')
      .values({
        id: `tp_${randomBytes(6).toString('hex')}`,
        org_id: a.org.id,
        domain_id: a.domain.id,
        visitor_id: 'vid-erasure',
        occurred_at: now,
        channel: 'meta',
        utm_source: null,
        utm_medium: null,
        utm_campaign: null,
        details_sealed: service.sealer.seal({ landingUrl: 'https://shop.example.com/?fbclid=1' }, 'tp'),
      })
      .execute();
    await db
      .insertInto('conversions')
      .values({
        id: `cnv_${randomBytes(6).toString('hex')}`,
        org_id: a.org.id,
        domain_id: a.domain.id,
        order_id: 'order-77',
        event_id: 'purchase_order-77',
        visitor_id: 'vid-erasure',
        shopper_key: shopperKey,
        value: '10',
        currency: 'EUR',
        occurred_at: now,
        created_at: now,
      })
      .execute();
    // A shop order whose snapshot (sealed) names the person.
    await db
      .insertInto('orders')
      .values({
        id: `ord_${randomBytes(6).toString('hex')}`,
        org_id: a.org.id,
        domain_id: a.domain.id,
        platform: 'woocommerce',
        order_id: 'order-77',
        order_number: '77',
        status: 'processing',
        paid: 1,
        currency: 'EUR',
        total: 10,
        ordered_at: now,
        paid_at: now,
        modified_at: now,
        first_seen_at: now,
        updated_at: now,
        purchase_state: null,
        purchase_event_id: 'purchase_order-77',
        snapshot_sealed: service.sealer.seal(
          { eventName: 'Purchase', userData: { email: EMAIL } },
          `order:${a.domain.id}:order-77`,
        ),
        snapshot_erased_at: null,
        unmatched_announced_at: null,
      })
      .execute();
    // A login link once mailed to the address.
    await db
      .insertInto('login_tokens')
      .values({
        id: `ltk_${randomBytes(6).toString('hex')}`,
        token_hash: randomBytes(16).toString('hex'),
        email: emailLower,
        purpose: 'invite',
        org_id: a.org.id,
        role: 'viewer',
        invited_by: null,
        redirect: null,
        created_at: now,
        expires_at: now + 3600_000,
        used_at: null,
      })
      .execute();
  });
  after(async () => {
    await service.destroy();
  });

  /** Every row of every table as text (PostgreSQL: the schema's tables as listed by the database). */
  async function dump(): Promise<Map<string, string>> {
    const { db } = service.storage;
    const tables =
      dialect === 'postgres'
        ? (
            await sql<{ name: string }>`select table_name as name from information_schema.tables
              where table_schema = ${service.schema} and table_type = 'BASE TABLE'`.execute(db)
          ).rows.map((r) => r.name)
        : (
            await sql<{
              name: string;
            }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)
          ).rows.map((r) => r.name);
    const out = new Map<string, string>();
    for (const table of tables) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
      out.set(
        table,
        rows.rows
          .map((r) =>
            JSON.stringify(r, (_k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v)),
          )
          .join('\n')
          .toLowerCase(),
      );
    }
    return out;
  }

  /** The person's data that is sealed in an org's events, opened. */
  async function sealedEmails(orgId: string): Promise<string[]> {
    const rows = await service.storage.db
      .selectFrom('events')
      .select(['id', 'pii_sealed', 'pii_group', 'pii_slot'])
      .where('org_id', '=', orgId)
      .where('pii_slot', 'is not', null)
      .execute();
    const emails: string[] = [];
    for (const row of rows) {
      const payload = await openEventPayload(service.storage.db, service.sealer, row);
      emails.push((payload?.u.email ?? '').toLowerCase());
    }
    return emails;
  }

  test('an owner exports, then erases, what their org holds about the person; others are intact', async () => {
    const owner = await createSession(service, { orgId: a.org.id, role: 'owner' });
    const exported = await service.app!.inject({
      method: 'POST',
      url: '/v1/org/personal-data-exports',
      headers: owner.headers,
      payload: { email: EMAIL },
    });
    assert.equal(exported.statusCode, 200, exported.body);
    const data = exported.json();
    assert.equal(data.events.length, 2);
    assert.ok(data.events.every((e: { orgId: string }) => e.orgId === a.org.id));
    assert.equal(data.visitors.length, 1);
    assert.equal(data.visitors[0].identity.email, EMAIL);
    assert.equal(data.visitors[0].touchpoints.length, 1);
    assert.equal(data.conversions.length, 1);
    assert.equal(data.orders.length, 1);
    assert.ok(data.mentions.events.length === 1 && data.mentions.login_tokens.length === 1);

    // An admin (not owner) may not; the role matrix covers every other role.
    const admin = await createSession(service, { orgId: a.org.id, role: 'admin' });
    const refused = await service.app!.inject({
      method: 'POST',
      url: '/v1/org/erasures',
      headers: admin.headers,
      payload: { email: EMAIL },
    });
    assert.equal(refused.statusCode, 403);

    const res = await service.app!.inject({
      method: 'POST',
      url: '/v1/org/erasures',
      headers: owner.headers,
      payload: { email: EMAIL, phone: PHONE },
    });
    assert.equal(res.statusCode, 200, res.body);
    const erased = res.json().erased as Record<string, number>;
    assert.equal(erased.events, 2 + 1); // two sealed, one legacy row's text
    assert.equal(erased.deliveries, 2);
    assert.equal(erased.visitors, 1);
    assert.equal(erased.touchpoints, 1);
    assert.equal(erased.conversions, 1);
    assert.equal(erased.orders, 1);
    assert.equal(erased.login_tokens, 1);

    // Org A: no trace in any table. Org B's copy of the same person is untouched (tenant isolation);
    // the other person of org A is untouched.
    assert.deepEqual(await sealedEmails(a.org.id), [OTHER_EMAIL]);
    assert.deepEqual(await sealedEmails(b.org.id), [emailLower]);
    const skipped = await service.storage.db
      .selectFrom('deliveries')
      .select(['status', 'last_error'])
      .where('org_id', '=', a.org.id)
      .where('status', '=', 'skipped')
      .execute();
    assert.equal(skipped.length, 2);
    const tables = await dump();
    for (const [table, text] of tables) {
      if (table === 'events' || table === 'deliveries') continue; // org B's rows hold sealed (binary) data only
      for (const needle of NEEDLES)
        assert.ok(!text.includes(needle.toLowerCase()), `${table} holds ${needle}`);
    }
    assert.ok(!(tables.get('events') ?? '').includes(emailLower));
    const audit = await service.storage.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('org_id', '=', a.org.id)
      .where('action', '=', 'person.erase')
      .execute();
    assert.equal(audit.length, 1);
    assert.ok(!audit[0]!.details!.toLowerCase().includes(emailLower));

    // Org B's owner erasing the person erases org B's data only — nothing of org A is reachable from there.
    const ownerB = await createSession(service, { orgId: b.org.id, role: 'owner' });
    const other = await service.app!.inject({
      method: 'POST',
      url: '/v1/org/personal-data-exports',
      headers: ownerB.headers,
      payload: { email: OTHER_EMAIL },
    });
    assert.equal(other.statusCode, 200);
    assert.equal(other.json().events.length, 0, 'org B cannot see org A’s other person');
  });

  test('the operator’s `tagbridge erase --email --json` covers every org and leaves nothing in the files', async () => {
    const exported = await cliJson(service, ['export-person', '--email', EMAIL]);
    assert.equal(exported.code, 0, JSON.stringify(exported.body));
    assert.equal((exported.body.events as unknown[]).length, 1); // org B's
    const result = await cliJson(service, ['erase', '--email', EMAIL]);
    assert.equal(result.code, 0, JSON.stringify(result.body));
    assert.equal((result.body.erased as Record<string, number>).events, 1);
    assert.deepEqual(await sealedEmails(b.org.id), []);
    assert.deepEqual(await sealedEmails(a.org.id), [OTHER_EMAIL]);
    const usage = await cliJson(service, ['erase']);
    assert.equal(usage.code, 2);

    if (dialect === 'sqlite') {
      await service.close();
      const files = readdirSync(service.dataDir).map((f) => join(service.dataDir, f));
      assert.ok(files.some((f) => f.endsWith('tagbridge.db')));
      for (const file of files) {
        const bytes = readFileSync(file).toString('latin1').toLowerCase();
        for (const needle of NEEDLES)
          assert.ok(!bytes.includes(needle.toLowerCase()), `${file} holds ${needle}`);
      }
      // The other person is still there (sealed), so the search above was not of an empty file.
    } else {
      for (const [table, text] of await dump())
        for (const needle of NEEDLES)
          assert.ok(!text.includes(needle.toLowerCase()), `${table} holds ${needle}`);
    }
  });
});
