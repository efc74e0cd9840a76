/**
 * Fastify's schema compiler: request bodies strictly, query strings and params with coercion.
 *
 * An app's validators are compiled on their route's first request, not when the app starts: Fastify compiles
 * every route's body, query, params and headers schema at `ready`, and the Ajv functions of all routes held
 * ~30 MB of an API node's heap, most of them for routes the node never serves (an ingest node answers
 * /v1/events, hardly ever the dashboard's ~120 routes). The schemas are the same; only the moment changes.
 * `compileAll` compiles what is still pending (test/validators.test.ts: a broken schema still fails a test).
 */
import type { FastifySchemaCompiler } from 'fastify';
import { compileValidator } from '../lib/json-schema.js';
import { compileOnFirstUse } from './compile-on-first-use.js';

type RouteValidator = ReturnType<FastifySchemaCompiler<unknown>>;
type CompilerInput = Parameters<FastifySchemaCompiler<unknown>>[0];

/** Compiles a route part's schema now. */
export const compileRouteValidator: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  compileValidator(schema as object, { coerce: httpPart !== 'body' }) as RouteValidator;

export interface LazyValidators {
  compiler: FastifySchemaCompiler<unknown>;
  /** Compiles every validator not compiled yet; returns how many there are in all. */
  compileAll(): number;
}

export function lazyValidators(): LazyValidators {
  const lazy = compileOnFirstUse(compileRouteValidator);
  const compiler: FastifySchemaCompiler<unknown> = (route: CompilerInput) => {
    const compile = lazy.defer(route);
    // Fastify reads `.errors` off the function it was given after a failed call: copy the compiled one's.
    const validate: RouteValidator = (data) => {
      const target = compile();
      const result = target(data);
      validate.errors = target.errors;
      return result;
    };
    return validate;
  };
  return { compiler, compileAll: lazy.compileAll };
}
