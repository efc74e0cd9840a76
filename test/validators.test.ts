/**
 * Request validators compile on their route's first request (src/http/validation.ts), so a schema Ajv cannot
 * compile would no longer stop the app from starting: this compiles every route's validators instead.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestService, type TestService } from './harness.js';

let service: TestService;
before(async () => {
  service = await startTestService();
});
after(async () => {
  await service.destroy();
});

test("every route's request schemas compile", async () => {
  const app = service.app!;
  await app.ready();
  // Params, query strings, bodies and headers of ~130 routes.
  assert.ok(app.compileValidators() > 100);
});
