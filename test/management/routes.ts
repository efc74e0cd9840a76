/**
 * Every session-authenticated management route, as data. The role matrix (role-matrix.test.ts) calls each
 * row with every role, and the tenant-isolation test (tenant-isolation.test.ts) calls each `idScoped` row
 * from another org. Adding a route = appending a row here; a test fails while a registered management
 * route has none.
 *
 * A row's `setup` runs before every single call (calls may delete what they act on) and creates, in the
 * caller's org, whatever the URL or body names; `url` and `body` read it from `ctx.fixture`.
 */
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../src/lib/clock.js';
import { newId } from '../../src/lib/ids.js';
import { CLI_ACTOR } from '../../src/management/audit.js';
import { createPixelKey } from '../../src/pixel/keys.js';
import { createApiKey } from '../../src/public-api/keys.js';
import { createCustomEvent } from '../../src/storage/repos/custom-events.js';
import { enqueueWebhookEvent, insertWebhookEndpoint } from '../../src/storage/repos/webhooks.js';
import type { Role } from '../../src/storage/schema.js';
import { createSession, type Tenant, type TestService } from '../harness.js';
import { insertChannel } from '../stores/helpers.js';

export interface RouteContext {
  service: TestService;
  /** The org the caller belongs to: org, domain (with its tokens) from createTenant. */
  tenant: Tenant;
  /** Ids made by the row's setup. */
  fixture: Record<string, string>;
}

export type SetupContext = Omit<RouteContext, 'fixture'>;

export interface ManagementRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The route pattern as registered, e.g. `/v1/org/members/:userId`. */
  path: string;
  url: (ctx: RouteContext) => string;
  /** Lowest role allowed; `viewer` together with `noOrg` for routes any signed-in user may call. */
  minRole: Role;
  body?: (ctx: RouteContext) => unknown;
  setup?: (ctx: SetupContext) => Promise<Record<string, string>>;
  /** The URL or body names one of the org's resources by id: another org's member must get 404. */
  idScoped?: boolean;
  /** Needs a session but no current org (the user's own things: profile, org list, sign-out). */
  noOrg?: boolean;
}

/** A second user in the tenant's org with `role` (what member routes act on). */
async function otherMember(ctx: SetupContext, role: Role = 'member'): Promise<Record<string, string>> {
  const member = await createSession(ctx.service, {
    orgId: ctx.tenant.org.id,
    role,
    email: `target-${randomBytes(4).toString('hex')}@example.com`,
  });
  return { userId: member.userId };
}

const unique = (): string => randomBytes(4).toString('hex');

/** Rows for `/v1/domains/:id…` routes acting on the caller's domain. */
function domainRows(rows: Array<[ManagementRoute['method'], string, Role]>): ManagementRoute[] {
  return rows.map(([method, suffix, minRole]) => ({
    method,
    path: `/v1/domains/:id${suffix}`,
    url: (ctx: RouteContext) => `/v1/domains/${ctx.fixture.domainId}${suffix}`,
    minRole,
    idScoped: true,
    setup: async (ctx: SetupContext) => ({ domainId: ctx.tenant.domain.id }),
  }));
}

/** Rows for the order routes of the caller's domain (`:platform` is woocommerce). */
function orderRows(
  rows: Array<[ManagementRoute['method'], string, Role, (() => unknown) | undefined]>,
): ManagementRoute[] {
  return rows.map(([method, suffix, minRole, body]) => ({
    method,
    path: `/v1/domains/:id${suffix}`,
    url: (ctx: RouteContext) =>
      `/v1/domains/${ctx.fixture.domainId}${suffix.replace(':platform', 'woocommerce')}`,
    minRole,
    idScoped: true,
    setup: async (ctx: SetupContext) => ({ domainId: ctx.tenant.domain.id }),
    ...(body ? { body } : {}),
  }));
}

/**
 * A destination on the caller's domain. Its type is one Tagbridge cannot deliver to (as the plugin may sync),
 * so the test-event route answers without calling any platform.
 */
async function withDestination(ctx: SetupContext): Promise<Record<string, string>> {
  const { db } = ctx.service.storage;
  const now = Date.now();
  const id = `dst_${now.toString(36).padStart(9, '0')}${randomBytes(10).toString('hex')}`;
  await db
    .insertInto('destinations')
    .values({
      id,
      org_id: ctx.tenant.org.id,
      domain_id: ctx.tenant.domain.id,
      type: 'openai',
      enabled: 1,
      config_public: '{}',
      credentials_sealed: ctx.service.sealer.seal({ pixel_id: 'px-1' }, id),
      status: 'unsupported',
      last_error: null,
      config_version: 1,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { domainId: ctx.tenant.domain.id, destinationId: id };
}

/** A custom event definition in the caller's org (issue 5). */
async function customEvent(ctx: SetupContext): Promise<Record<string, string>> {
  const created = await createCustomEvent(ctx.service.storage.db, {
    orgId: ctx.tenant.org.id,
    name: `Matrix_${unique()}`,
    description: null,
    isActive: true,
    now: Date.now(),
  });
  return { customEventId: created!.id };
}

/** A webhook endpoint in the caller's org, with one message (issue 10 §4). */
async function webhookEndpoint(ctx: SetupContext): Promise<Record<string, string>> {
  const { db } = ctx.service.storage;
  const now = Date.now();
  const id = newId('whe', now);
  await insertWebhookEndpoint(db, {
    id,
    org_id: ctx.tenant.org.id,
    url: 'https://93.184.216.34/hook',
    description: '',
    event_types: 'event.failed',
    enabled: 1,
    disabled_reason: null,
    secret_sealed: ctx.service.sealer.seal(`whsec_${randomBytes(32).toString('base64')}`, id),
    previous_secret_sealed: null,
    previous_secret_expires_at: null,
    failing_since: null,
    created_at: now,
    updated_at: now,
  });
  const { messageIds } = await enqueueWebhookEvent(db, {
    orgId: ctx.tenant.org.id,
    type: 'event.failed',
    payload: '{"type":"event.failed","timestamp":"2026-01-01T00:00:00.000Z","data":{}}',
    now,
    maxPendingPerEndpoint: 10,
  });
  return { webhookId: id, messageId: messageIds[0]! };
}

/** Rows for `/v1/org/webhooks/:id…` routes acting on one of the caller's endpoints. */
function webhookRows(rows: Array<[ManagementRoute['method'], string, unknown?]>): ManagementRoute[] {
  return rows.map(([method, suffix, body]) => ({
    method,
    path: `/v1/org/webhooks/:id${suffix}`,
    url: (ctx: RouteContext) =>
      `/v1/org/webhooks/${ctx.fixture.webhookId}${suffix.replace(':messageId', ctx.fixture.messageId ?? '')}`,
    minRole: 'admin' as Role,
    idScoped: true,
    setup: webhookEndpoint,
    ...(body === undefined ? {} : { body: () => body }),
  }));
}

/** A connected WooCommerce store of the caller's org (credentials sealed as connect seals them). */
async function storeChannel(ctx: SetupContext): Promise<Record<string, string>> {
  return { channelId: await insertChannel(ctx.service, { orgId: ctx.tenant.org.id }) };
}

function storeChannelRows(rows: Array<[ManagementRoute['method'], Role, unknown?]>): ManagementRoute[] {
  return rows.map(([method, minRole, body]) => ({
    method,
    path: '/v1/store-channels/:id',
    url: (ctx: RouteContext) => `/v1/store-channels/${ctx.fixture.channelId}`,
    minRole,
    idScoped: true,
    setup: storeChannel,
    ...(body === undefined ? {} : { body: () => body }),
  }));
}

/** A store channel of the caller's org and a feed of it (issue 11, feeds). */
async function feedFixture(ctx: SetupContext): Promise<Record<string, string>> {
  const channelId = await insertChannel(ctx.service, {
    orgId: ctx.tenant.org.id,
    name: 'Test & Co',
    scheduled: false,
  });
  const now = Date.now();
  const feedId = newId('fed', now);
  await ctx.service.storage.db
    .insertInto('feeds')
    .values({
      id: feedId,
      org_id: ctx.tenant.org.id,
      channel_id: channelId,
      slug: `matrix-${unique()}`,
      name: 'Matrix feed',
      format: 'google',
      filters: '{}',
      overrides: '{}',
      published: 1,
      created_at: now,
      updated_at: now,
      last_generated_at: null,
      last_product_count: null,
      last_skipped_count: null,
      last_skipped_reasons: null,
    })
    .execute();
  return { channelId, feedId };
}

export const MANAGEMENT_ROUTES: ManagementRoute[] = [
  // Sessions (issue 4)
  { method: 'GET', path: '/v1/auth/me', url: () => '/v1/auth/me', minRole: 'viewer', noOrg: true },
  { method: 'POST', path: '/v1/auth/logout', url: () => '/v1/auth/logout', minRole: 'viewer', noOrg: true },
  {
    method: 'POST',
    path: '/v1/auth/switch-org',
    url: () => '/v1/auth/switch-org',
    minRole: 'viewer',
    noOrg: true,
    idScoped: true,
    setup: async (ctx) => ({ orgId: ctx.tenant.org.id }),
    body: (ctx) => ({ orgId: ctx.fixture.orgId }),
  },
  // Orgs
  { method: 'GET', path: '/v1/orgs', url: () => '/v1/orgs', minRole: 'viewer', noOrg: true },
  {
    method: 'POST',
    path: '/v1/orgs',
    url: () => '/v1/orgs',
    minRole: 'viewer',
    noOrg: true,
    body: () => ({ name: `Org ${unique()}` }),
  },
  { method: 'GET', path: '/v1/org/settings', url: () => '/v1/org/settings', minRole: 'viewer' },
  {
    method: 'PATCH',
    path: '/v1/org/settings',
    url: () => '/v1/org/settings',
    minRole: 'admin',
    body: () => ({ name: `Renamed ${unique()}` }),
  },
  { method: 'GET', path: '/v1/org/subscription', url: () => '/v1/org/subscription', minRole: 'viewer' },
  { method: 'GET', path: '/v1/org/usage', url: () => '/v1/org/usage', minRole: 'viewer' },
  { method: 'GET', path: '/v1/org/overview', url: () => '/v1/org/overview', minRole: 'viewer' },
  { method: 'GET', path: '/v1/org/daily-usage', url: () => '/v1/org/daily-usage', minRole: 'viewer' },
  { method: 'GET', path: '/v1/org/audit-log', url: () => '/v1/org/audit-log?limit=5', minRole: 'admin' },
  // A person's data (issue 14 §3): owners only.
  {
    method: 'POST',
    path: '/v1/org/erasures',
    url: () => '/v1/org/erasures',
    minRole: 'owner',
    body: () => ({ email: `nobody-${unique()}@example.com` }),
  },
  {
    method: 'POST',
    path: '/v1/org/personal-data-exports',
    url: () => '/v1/org/personal-data-exports',
    minRole: 'owner',
    body: () => ({ email: `nobody-${unique()}@example.com` }),
  },
  // Members
  { method: 'GET', path: '/v1/org/members', url: () => '/v1/org/members', minRole: 'viewer' },
  {
    method: 'POST',
    path: '/v1/org/members/invite',
    url: () => '/v1/org/members/invite',
    minRole: 'admin',
    body: () => ({ email: `invitee-${unique()}@example.com`, role: 'member' }),
  },
  {
    method: 'PATCH',
    path: '/v1/org/members/:userId',
    url: (ctx) => `/v1/org/members/${ctx.fixture.userId}`,
    minRole: 'admin',
    idScoped: true,
    setup: (ctx) => otherMember(ctx),
    body: () => ({ role: 'viewer' }),
  },
  {
    method: 'DELETE',
    path: '/v1/org/members/:userId',
    url: (ctx) => `/v1/org/members/${ctx.fixture.userId}`,
    minRole: 'admin',
    idScoped: true,
    setup: (ctx) => otherMember(ctx),
  },
  // Domains, destinations, event log (issue 4)
  { method: 'GET', path: '/v1/domains', url: () => '/v1/domains', minRole: 'viewer' },
  {
    method: 'POST',
    path: '/v1/domains',
    url: () => '/v1/domains',
    minRole: 'admin',
    body: () => ({ host: `ssp.${unique()}.example.com`, shopUrl: 'https://shop.example.com' }),
  },
  ...domainRows([
    ['GET', '', 'viewer'],
    ['GET', '/diagnostics', 'viewer'],
    ['DELETE', '', 'admin'],
    ['POST', '/verify', 'member'],
    ['POST', '/regenerate-token', 'admin'],
    ['POST', '/resync', 'member'],
    ['GET', '/destinations', 'viewer'],
    // Orders (issue 10 §1–3)
    ['GET', '/reconciliation', 'viewer'],
    ['GET', '/shop-webhooks', 'viewer'],
    ['GET', '/order-settings', 'viewer'],
    // Attribution (issue 12)
    ['GET', '/attribution', 'viewer'],
  ]),
  ...orderRows([
    ['POST', '/reconciliation/backfill', 'admin', () => ({ dryRun: true })],
    ['PUT', '/order-settings', 'admin', () => ({ paidStatuses: { woocommerce: ['completed'] } })],
    ['POST', '/shop-webhooks/:platform/secret', 'admin', () => ({})],
    ['POST', '/shop-webhooks/:platform/rotate', 'admin', undefined],
    ['GET', '/shop-store/:platform', 'viewer', undefined],
    // The store cannot be reached from the tests: a 400 that names it, after the role check passed.
    [
      'PUT',
      '/shop-store/:platform',
      'admin',
      () => ({
        store: 'https://shop.invalid',
        consumerKey: `ck_${'0'.repeat(40)}`,
        consumerSecret: `cs_${'0'.repeat(40)}`,
      }),
    ],
    ['POST', '/shop-store/:platform/import', 'admin', () => ({})],
  ]),
  {
    method: 'PATCH',
    path: '/v1/domains/:id',
    url: (ctx) => `/v1/domains/${ctx.fixture.domainId}`,
    minRole: 'admin',
    idScoped: true,
    setup: async (ctx) => ({ domainId: ctx.tenant.domain.id }),
    body: () => ({ consentDefault: 'deny' }),
  },
  {
    method: 'PUT',
    path: '/v1/domains/:id/destinations/:type',
    url: (ctx) => `/v1/domains/${ctx.fixture.domainId}/destinations/meta`,
    minRole: 'admin',
    idScoped: true,
    setup: async (ctx) => ({ domainId: ctx.tenant.domain.id }),
    body: () => ({ config: { pixelId: '1234567890', accessToken: 'EAAB-matrix-token-1234' } }),
  },
  {
    method: 'PATCH',
    path: '/v1/domains/:id/destinations/:destinationId',
    url: (ctx) => `/v1/domains/${ctx.fixture.domainId}/destinations/${ctx.fixture.destinationId}`,
    minRole: 'member',
    idScoped: true,
    setup: withDestination,
    body: () => ({ enabled: false }),
  },
  {
    method: 'POST',
    path: '/v1/domains/:id/destinations/:destinationId/test',
    url: (ctx) => `/v1/domains/${ctx.fixture.domainId}/destinations/${ctx.fixture.destinationId}/test`,
    minRole: 'member',
    idScoped: true,
    setup: withDestination,
  },
  { method: 'GET', path: '/v1/destination-types', url: () => '/v1/destination-types', minRole: 'viewer' },
  {
    method: 'GET',
    path: '/v1/org/events',
    url: (ctx) => `/v1/org/events?domainId=${ctx.fixture.domainId}&limit=5`,
    minRole: 'viewer',
    idScoped: true,
    setup: async (ctx) => ({ domainId: ctx.tenant.domain.id }),
  },
  {
    method: 'POST',
    path: '/v1/org/events/replay',
    url: () => '/v1/org/events/replay',
    minRole: 'member',
    idScoped: true,
    setup: async (ctx) => ({ domainId: ctx.tenant.domain.id }),
    body: (ctx) => ({ filters: { domainId: ctx.fixture.domainId } }),
  },
  // API keys and custom event definitions (issue 5)
  { method: 'GET', path: '/v1/org/api-keys', url: () => '/v1/org/api-keys', minRole: 'admin' },
  {
    method: 'POST',
    path: '/v1/org/api-keys',
    url: () => '/v1/org/api-keys',
    minRole: 'admin',
    body: () => ({ name: `Key ${unique()}` }),
  },
  {
    method: 'DELETE',
    path: '/v1/org/api-keys/:id',
    url: (ctx) => `/v1/org/api-keys/${ctx.fixture.keyId}`,
    minRole: 'admin',
    idScoped: true,
    setup: async (ctx) => {
      const { apiKey } = await createApiKey(ctx.service.storage.db, {
        orgId: ctx.tenant.org.id,
        domainId: null,
        name: 'matrix',
        scopes: ['events:read'],
        createdBy: null,
        expiresAt: null,
        now: Date.now(),
      });
      return { keyId: apiKey.id };
    },
  },
  { method: 'GET', path: '/v1/org/custom-events', url: () => '/v1/org/custom-events', minRole: 'viewer' },
  {
    method: 'POST',
    path: '/v1/org/custom-events',
    url: () => '/v1/org/custom-events',
    minRole: 'admin',
    body: () => ({ name: `Event_${unique()}` }),
  },
  {
    method: 'PATCH',
    path: '/v1/org/custom-events/:id',
    url: (ctx) => `/v1/org/custom-events/${ctx.fixture.customEventId}`,
    minRole: 'admin',
    idScoped: true,
    setup: customEvent,
    body: () => ({ isActive: false }),
  },
  {
    method: 'DELETE',
    path: '/v1/org/custom-events/:id',
    url: (ctx) => `/v1/org/custom-events/${ctx.fixture.customEventId}`,
    minRole: 'admin',
    idScoped: true,
    setup: customEvent,
  },
  // Outbound webhooks (issue 10 §4)
  { method: 'GET', path: '/v1/org/webhooks', url: () => '/v1/org/webhooks', minRole: 'admin' },
  {
    method: 'POST',
    path: '/v1/org/webhooks',
    url: () => '/v1/org/webhooks',
    minRole: 'admin',
    body: () => ({ url: 'https://93.184.216.34/hook', eventTypes: ['event.failed'] }),
  },
  ...webhookRows([
    ['GET', ''],
    ['PATCH', '', { description: 'renamed' }],
    ['DELETE', ''],
    ['POST', '/rotate-secret'],
    ['GET', '/messages'],
    ['GET', '/attempts'],
    ['POST', '/messages/:messageId/resend'],
    ['POST', '/test'],
  ]),
  // Connected stores and plugin sessions (issue 11)
  { method: 'GET', path: '/v1/store-channels', url: () => '/v1/store-channels', minRole: 'viewer' },
  ...storeChannelRows([
    ['GET', 'viewer'],
    ['PATCH', 'admin', { syncIntervalMinutes: 30 }],
    ['DELETE', 'admin'],
  ]),
  {
    method: 'POST',
    path: '/v1/auth/plugin-sessions/revoke',
    url: () => '/v1/auth/plugin-sessions/revoke',
    minRole: 'viewer',
  },
  // Catalogue sync of a connected store (issue 11)
  ...channelRows([
    ['GET', '/sync', 'viewer', undefined],
    ['POST', '/sync', 'admin', () => ({ full: true })],
    ['GET', '/products', 'viewer', undefined],
  ]),
  // Product feeds (issue 11)
  { method: 'GET', path: '/v1/feeds', url: () => '/v1/feeds', minRole: 'viewer' },
  {
    method: 'POST',
    path: '/v1/feeds',
    url: () => '/v1/feeds',
    minRole: 'admin',
    idScoped: true,
    setup: feedFixture,
    body: (ctx) => ({ channelId: ctx.fixture.channelId, slug: `new-${unique()}`, format: 'meta' }),
  },
  ...(
    [
      ['GET', 'viewer', undefined],
      ['PATCH', 'admin', { name: 'Renamed' }],
      ['DELETE', 'admin', undefined],
    ] as Array<[ManagementRoute['method'], Role, unknown]>
  ).map(
    ([method, minRole, body]): ManagementRoute => ({
      method,
      path: '/v1/feeds/:id',
      url: (ctx) => `/v1/feeds/${ctx.fixture.feedId}`,
      minRole,
      idScoped: true,
      setup: feedFixture,
      ...(body === undefined ? {} : { body: () => body }),
    }),
  ),
  // First-party pixel keys (issue 12)
  ...domainRows([
    ['GET', '/pixel-keys', 'viewer'],
    ['POST', '/pixel-keys', 'admin'],
  ]),
  {
    method: 'DELETE',
    path: '/v1/domains/:id/pixel-keys/:keyId',
    url: (ctx) => `/v1/domains/${ctx.fixture.domainId}/pixel-keys/${ctx.fixture.pixelKeyId}`,
    minRole: 'admin',
    idScoped: true,
    setup: async (ctx) => {
      const { pixelKey } = await createPixelKey(
        { storage: ctx.service.storage, clock: systemClock },
        CLI_ACTOR,
        { orgId: ctx.tenant.org.id, domainId: ctx.tenant.domain.id },
      );
      return { domainId: ctx.tenant.domain.id, pixelKeyId: pixelKey.id };
    },
  },
];

/** Rows for `/v1/store-channels/:id…` routes acting on a WooCommerce channel of the caller's org. */
function channelRows(
  rows: Array<[ManagementRoute['method'], string, Role, (() => unknown) | undefined]>,
): ManagementRoute[] {
  return rows.map(([method, suffix, minRole, body]) => ({
    method,
    path: `/v1/store-channels/:id${suffix}`,
    url: (ctx: RouteContext) => `/v1/store-channels/${ctx.fixture.channelId}${suffix}`,
    minRole,
    idScoped: true,
    setup: async (ctx: SetupContext) => ({
      channelId: await insertChannel(ctx.service, {
        orgId: ctx.tenant.org.id,
        storeUrl: `https://shop-${unique()}.invalid`,
      }),
    }),
    ...(body ? { body } : {}),
  }));
}

/**
 * Registered paths that belong to the session-authenticated management surface (and so need a row).
 * Sign-in itself (login, callback) and the token-authenticated surfaces (proxy, sync, public API) do not.
 */
export function isManagementPath(path: string): boolean {
  if (path === '/v1/auth/login' || path === '/v1/auth/callback') return false;
  return /^\/v1\/(auth\/|orgs$|orgs\/|org\/|domains$|domains\/|store-channels$|store-channels\/|feeds$|feeds\/)/.test(
    path,
  );
}
