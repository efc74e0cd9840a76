/** The OpenAPI 3.1 document comes from the route schemas; /docs works offline; docs/public-api.md covers every endpoint. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startTestService, type TestService } from '../harness.js';

const PUBLIC_OPERATIONS = [
  ['post', '/api/v1/events'],
  ['get', '/api/v1/events'],
  ['get', '/api/v1/stats'],
  ['get', '/v1/org/api-keys'],
  ['post', '/v1/org/api-keys'],
  ['delete', '/v1/org/api-keys/{id}'],
  ['get', '/v1/org/custom-events'],
  ['post', '/v1/org/custom-events'],
  ['patch', '/v1/org/custom-events/{id}'],
  ['delete', '/v1/org/custom-events/{id}'],
] as const;

describe('OpenAPI document and reference page', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ role: 'api' });
  });
  after(() => service.destroy());

  test('/openapi.json is OpenAPI 3.1 with every public operation, its schemas and security', async () => {
    const res = await service.app!.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
    for (const [method, path] of PUBLIC_OPERATIONS) {
      const operation = doc.paths[path]?.[method];
      assert.ok(operation, `${method.toUpperCase()} ${path} is documented`);
      assert.ok(operation.description || operation.summary, `${method} ${path} has a description`);
    }
    const create = doc.paths['/api/v1/events'].post;
    assert.deepEqual(create.security, [{ bearerAuth: [] }]);
    const body = create.requestBody.content['application/json'].schema;
    assert.ok(JSON.stringify(body).includes('eventName'), 'the event schema is in the document');
    assert.ok(create.responses['200'] && create.responses['413'] && create.responses['429']);
    const list = doc.paths['/api/v1/events'].get;
    assert.ok(
      list.parameters.some((p: { name: string; in: string }) => p.name === 'cursor' && p.in === 'query'),
    );
    assert.equal(doc.paths['/openapi.json'], undefined, 'the document itself is hidden');
  });

  test('/docs is a self-contained page: its assets are served locally, nothing from a CDN', async () => {
    const page = await service.app!.inject({ method: 'GET', url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    const external = [...page.body.matchAll(/(?:src|href)="(https?:[^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(external, []);
    for (const asset of [
      '/docs/static/swagger-ui.css',
      '/docs/static/swagger-ui-bundle.js',
      '/docs/static/swagger-initializer.js',
    ]) {
      const res = await service.app!.inject({ method: 'GET', url: asset });
      assert.equal(res.statusCode, 200, asset);
    }
    const initializer = await service.app!.inject({
      method: 'GET',
      url: '/docs/static/swagger-initializer.js',
    });
    assert.match(initializer.body, /"validatorUrl":null/, 'no call to validator.swagger.io');
    const json = await service.app!.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(json.json().openapi, '3.1.0', 'the page reads the same document');
  });

  test('docs/public-api.md has curl and Node examples for every public operation', () => {
    const doc = readFileSync(new URL('../../docs/public-api.md', import.meta.url), 'utf8');
    for (const [method, path] of PUBLIC_OPERATIONS) {
      const heading = `### \`${method.toUpperCase()} ${path.replace('{id}', ':id')}\``;
      const start = doc.indexOf(heading);
      assert.ok(start >= 0, `${heading} is in docs/public-api.md`);
      const end = doc.indexOf('\n### ', start + heading.length);
      const section = doc.slice(start, end < 0 ? undefined : end);
      assert.match(section, /```sh\ncurl /, `${heading} has a curl example`);
      assert.match(section, /```js\n/, `${heading} has a Node example`);
    }
  });
});
