/**
 * Response serializers compile on the first response of their (route, status) (src/http/serialization.ts),
 * so a response schema fast-json-stringify cannot compile would no longer stop the app from starting: this
 * compiles every route's serializers instead, and checks that a lazily compiled serializer writes the same
 * bytes as the one Fastify compiles at start-up by default.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance, type FastifySerializerCompiler } from 'fastify';
import { errorBody } from '../src/errors.js';
import { ApiEventsListResponse } from '../src/http/routes/api.events.list.js';
import { compileRouteSerializer, lazySerializers } from '../src/http/serialization.js';
import { API_ERROR_RESPONSES } from '../src/public-api/schemas.js';
import { startTestService, type TestService } from './harness.js';

let service: TestService;
before(async () => {
  service = await startTestService();
});
after(async () => {
  await service.destroy();
});

test("every route's response schemas compile", async () => {
  const app = service.app!;
  await app.ready();
  // Every status of every route with a response schema (~100 routes, several statuses each).
  assert.ok(app.compileSerializers() > 100);
});

// A page of /api/v1/events with properties outside the schema at every level (to be dropped), nulls, a Date
// for a date-time and a number that is a string in the schema's eyes.
const page = {
  data: [
    {
      id: 'evt_1',
      eventId: 'e-1',
      eventName: 'Purchase',
      customEventName: null,
      source: 'PROXY',
      domainId: 'dom_1',
      eventTime: 1_700_000_000,
      receivedAt: new Date(Date.UTC(2026, 11, 7, 5, 0, 0, 123)),
      eventSourceUrl: 'https://shop.example.com/thanks?x="1"&y=\u2028',
      matchKeys: ['em', 'ph'],
      customData: { value: 12.5, currency: 'EUR', nested: { a: [1, null, 'b'] } },
      consent: {
        source: 'event',
        adStorage: true,
        adUserData: false,
        adPersonalization: true,
        analytics: false,
        limitedDataUse: { country: 'US', state: 'CA', extra: 'dropped' },
        secret: 'dropped',
      },
      destinations: [
        {
          destinationId: 'dst_1',
          type: 'meta',
          status: 'delivered',
          attempts: 2,
          lastStatusCode: 200,
          lastError: null,
          updatedAt: '2026-12-07T05:00:01.000Z',
          payload: 'dropped',
        },
      ],
      sealed: 'dropped',
    },
  ],
  pagination: { limit: 50, hasMore: true, nextCursor: 'abc', total: 'dropped' },
  debug: 'dropped',
};

async function sampleApp(compiler: FastifySerializerCompiler<unknown> | null): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  if (compiler) app.setSerializerCompiler(compiler);
  app.get(
    '/sample',
    { schema: { response: { 200: ApiEventsListResponse, ...API_ERROR_RESPONSES } } },
    async (request, reply) => {
      const { fail } = request.query as { fail?: string };
      if (fail) {
        const body = errorBody('not_found', 'No such event', { id: 'evt_"x"', at: new Date(0) });
        return reply.status(404).send({ ...body, error: { ...body.error, stack: 'dropped' }, extra: 1 });
      }
      return page;
    },
  );
  await app.ready();
  return app;
}

test("a lazily compiled serializer writes the same bytes as Fastify's eagerly compiled one", async () => {
  const eager = await sampleApp(null);
  const lazy = await sampleApp(lazySerializers().compiler);
  try {
    for (const url of ['/sample', '/sample?fail=1', '/sample']) {
      const [expected, actual] = await Promise.all([eager.inject(url), lazy.inject(url)]);
      assert.equal(actual.statusCode, expected.statusCode);
      assert.equal(actual.headers['content-type'], expected.headers['content-type']);
      assert.equal(actual.body, expected.body);
    }
    // What the schema says is what is written (not the handler's object as JSON.stringify would write it).
    const { body } = await lazy.inject('/sample');
    assert.ok(!body.includes('dropped'));
    assert.ok(body.includes('"receivedAt":"2026-12-07T05:00:00.123Z"'));
    assert.equal(
      (await lazy.inject('/sample?fail=1')).body,
      '{"error":{"code":"not_found","message":"No such event","details":{"id":"evt_\\"x\\"","at":"1970-01-01T00:00:00.000Z"}}}',
    );
  } finally {
    await Promise.all([eager.close(), lazy.close()]);
  }
});

test('a serializer compiles on its first response, once', async () => {
  let compiled = 0;
  const serializers = lazySerializers((route) => {
    compiled++;
    return compileRouteSerializer(route);
  });
  const app = await sampleApp(serializers.compiler);
  try {
    assert.equal(compiled, 0, 'nothing compiled at ready');
    await app.inject('/sample');
    await app.inject('/sample');
    assert.equal(compiled, 1, 'the 200 serializer, once');
    await app.inject('/sample?fail=1');
    assert.equal(compiled, 2, 'then the 404 one');
    // 200 and the five error statuses, of GET and of the HEAD route Fastify adds; the two compiled are not
    // compiled again.
    assert.equal(serializers.compileAll(), 12);
    assert.equal(compiled, 12);
  } finally {
    await app.close();
  }
});
