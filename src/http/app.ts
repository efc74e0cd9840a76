/**
 * Builds the Fastify app from its dependencies. Never listens: main.ts does, tests use inject().
 */
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  LogController,
  type preParsingHookHandler,
} from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { ApiError, type ErrorCode, errorBody } from '../errors.js';
import { describeValidationError } from '../lib/json-schema.js';
import { TRUST_PROXY_TRUE_NOTE, untrustedForwardingWarning } from './forwarded-headers.js';
import { registerIdempotency } from './idempotency.js';
import { ByteBudget, waitForIngestBudget } from './ingest-budget.js';
import { refuseDeepBodies } from './json-depth.js';
import { registerOpenApi } from './openapi.js';
import { registerRoutes } from './routes/index.js';
import { lazySerializers } from './serialization.js';
import { capConnectionsPerIp, serverTimeoutOptions } from './server-limits.js';
import type { App } from './types.js';
import { lazyValidators } from './validation.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The error code for schema and body-parsing failures on this route (proxy: invalid_payload). */
    invalidCode?: ErrorCode;
    /** An ingest route: its body waits for its share of INGEST_MAX_INFLIGHT_BYTES (ingest-budget.ts). */
    ingestBody?: boolean;
  }
  interface FastifyInstance {
    /** Compiles every route's request validators now (they compile on first use): for tests. */
    compileValidators(): number;
    /** Compiles every route's response serializers now (they compile on first use): for tests. */
    compileSerializers(): number;
  }
}

export async function buildApp(deps: AppDeps): Promise<App> {
  const trust = deps.config.trustProxy;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: false }),
    // A hop count as proxy-addr's trust function: the socket's peer is hop 0, X-Forwarded-For's right-most
    // entry hop 1, … — the first untrusted hop is the client, never an entry further left it could write.
    trustProxy: typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust,
    bodyLimit: 1024 * 1024,
    // Header, body and keep-alive timeouts (Fastify's default request timeout is none): server-limits.ts.
    ...serverTimeoutOptions(deps.config.http),
    // Fastify's own 404 goes through our error model too.
    return503OnClosing: true,
    // Per-request log lines would cost more than the request itself on the ingest path.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  let refusedWarned = false;
  capConnectionsPerIp(app.server, deps.config, (address) => {
    if (refusedWarned) return;
    refusedWarned = true;
    app.log.warn(
      { address, limit: deps.config.http.maxConnectionsPerIp },
      'A client reached HTTP_MAX_CONNECTIONS_PER_IP; its further connections are closed (logged once)',
    );
  });
  app.decorateRequest('proxyContext', null);
  app.decorateRequest('proxyAdmission', null);
  app.decorateRequest('session', null);
  app.decorateRequest('apiKey', null);
  app.decorateRequest('plugin', null);
  await app.register(cookie);
  // JSON only: without this Fastify would hand text/plain bodies to the schema as strings.
  app.removeContentTypeParser('text/plain');

  const validators = lazyValidators();
  app.setValidatorCompiler(validators.compiler);
  app.decorate('compileValidators', validators.compileAll);
  const serializers = lazySerializers();
  app.setSerializerCompiler(serializers.compiler);
  app.decorate('compileSerializers', serializers.compileAll);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) {
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.details));
    }
    const invalidCode = request.routeOptions.config?.invalidCode ?? 'validation_failed';
    if (error.validation && error.validation.length > 0) {
      const first = describeValidationError(error.validation[0]!);
      return reply
        .status(400)
        .send(
          errorBody(invalidCode, `Invalid ${error.validationContext ?? 'request'}: ${first.reason}`, first),
        );
    }
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const code: ErrorCode = invalidCode === 'invalid_payload' ? 'invalid_payload' : 'payload_too_large';
      return reply
        .status(code === 'invalid_payload' ? 400 : 413)
        .send(errorBody(code, 'Request body is too large'));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const code: ErrorCode =
        invalidCode === 'invalid_payload' ? 'invalid_payload' : 'unsupported_media_type';
      return reply
        .status(code === 'invalid_payload' ? 400 : 415)
        .send(errorBody(code, 'Content-Type must be application/json'));
    }
    if (status >= 400 && status < 500) {
      // Malformed JSON, empty body and other client-side parse errors.
      return reply.status(400).send(errorBody(invalidCode, error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(errorBody('internal_error', 'Internal error; nothing was applied'));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody('not_found', `No route ${request.method} ${request.url.split('?')[0]}`));
  });

  if (deps.config.ingest.maxInflightBytes > 0) {
    const budget = new ByteBudget(deps.config.ingest.maxInflightBytes);
    deps.metrics.watchIngestBudget(budget);
    const wait = waitForIngestBudget(budget) as preParsingHookHandler;
    // On the ingest routes only, attached as idempotency.ts attaches its hooks: other routes pay nothing.
    app.addHook('onRoute', (route) => {
      if (!route.config?.ingestBody) return;
      route.preParsing = [...(route.preParsing ? [route.preParsing].flat() : []), wait];
    });
  }
  // Before every route's own preValidation and the idempotency hash (a preHandler): see json-depth.ts.
  app.addHook('preValidation', refuseDeepBodies);
  if (deps.config.trustProxyWasTrue) app.log.warn(TRUST_PROXY_TRUE_NOTE);
  const forwardingWarning = untrustedForwardingWarning(deps.config.trustProxy, app.log);
  if (forwardingWarning) app.addHook('onRequest', forwardingWarning);
  // Both collect routes through onRoute hooks, so they come before the routes.
  await registerOpenApi(app, deps);
  registerIdempotency(app, deps);
  await registerRoutes(app, deps);
  return app;
}
