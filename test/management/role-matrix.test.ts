/**
 * Every management route (test/management/routes.ts) with every role: 403 forbidden below the row's
 * minimum, anything but 403 at or above it; and without a current org, 403 unless the row needs none.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ROLES, type Role } from '../../src/storage/schema.js';
import { createSession, createTenant, startTestService, type TestService } from '../harness.js';
import { CapturingMailer } from './helpers.js';
import { isManagementPath, MANAGEMENT_ROUTES, type ManagementRoute } from './routes.js';

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** Registered routes as (METHOD path), read from Fastify's route tree. */
function registeredRoutes(service: TestService): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  // Children are printed relative to their parent, one level deeper per four columns of indentation.
  const parents: string[] = [];
  const tree = service.app!.printRoutes({ commonPrefix: false });
  for (const line of tree.split('\n')) {
    const at = line.indexOf('── ');
    const match = /^(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 3));
    if (at < 0 || !match) continue;
    const depth = (at - 1) / 4;
    const path = (parents[depth - 1] ?? '') + match[1]!;
    parents[depth] = path;
    for (const method of (match[2] ?? '').split(',').map((m) => m.trim())) {
      if (method && method !== 'HEAD') out.push({ method, path });
    }
  }
  return out;
}

/**
 * A path with its parameter names blanked: the route tree prints routes that share a position with
 * different parameter names as `:a|:b`, without saying which method goes with which name.
 */
function shape(path: string): string {
  return path.replace(/:[A-Za-z0-9_]+(\|:[A-Za-z0-9_]+)*/g, ':');
}

async function call(
  service: TestService,
  route: ManagementRoute,
  options: { role: Role | null },
): Promise<{ status: number; body: string }> {
  const tenant = await createTenant(service);
  const fixture = route.setup ? await route.setup({ service, tenant }) : {};
  const ctx = { service, tenant, fixture };
  const session = await createSession(
    service,
    options.role ? { orgId: tenant.org.id, role: options.role } : {},
  );
  const body = route.body?.(ctx);
  const res = await service.app!.inject({
    method: route.method,
    url: route.url(ctx),
    headers: session.headers,
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: res.body };
}

describe('role matrix', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ role: 'api', mailer: new CapturingMailer() });
  });
  after(() => service.destroy());

  test('every registered management route has a row (and every row a route)', () => {
    const registered = registeredRoutes(service).filter((r) => isManagementPath(r.path));
    assert.ok(
      registered.some((r) => r.path === '/v1/org/members/:userId'),
      'nested routes are read',
    );
    const rows = new Set(MANAGEMENT_ROUTES.map((r) => `${r.method} ${shape(r.path)}`));
    const missing = registered.map((r) => `${r.method} ${r.path}`).filter((key) => !rows.has(shape(key)));
    assert.deepEqual(missing, [], 'add a row to test/management/routes.ts for each');
    for (const row of MANAGEMENT_ROUTES) {
      assert.ok(
        service.app!.hasRoute({ method: row.method, url: row.path }),
        `${row.method} ${row.path} is registered`,
      );
    }
  });

  for (const route of MANAGEMENT_ROUTES) {
    test(`${route.method} ${route.path} (minimum ${route.minRole})`, async () => {
      for (const role of ROLES) {
        const { status, body } = await call(service, route, { role });
        if (RANK[role] < RANK[route.minRole]) {
          assert.equal(status, 403, `${role}: ${body}`);
          assert.equal(JSON.parse(body).error.code, 'forbidden');
        } else {
          assert.notEqual(status, 403, `${role}: ${body}`);
          assert.ok(status < 500, `${role}: ${status} ${body}`);
          assert.notEqual(status, 401, `${role}: ${body}`);
        }
      }
      const { status, body } = await call(service, route, { role: null });
      if (route.noOrg) assert.notEqual(status, 403, `without an org: ${body}`);
      else assert.equal(status, 403, `without an org: ${body}`);
    });
  }
});
