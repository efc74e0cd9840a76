/**
 * Fastify's response serializer compiler, compiling each (route, status) on the first response that uses it.
 *
 * Fastify compiles a fast-json-stringify function for every response schema of every route at `ready`: 210
 * of them with the HEAD routes, ~5 MB of an API node's heap, most for routes an ingest node never answers.
 * This is Fastify's own default compiler (`@fastify/fast-json-stringify-compiler`, the same version Fastify
 * resolves) with the same options: the schemas and the output are the same (properties outside a schema
 * dropped, the error model's `{"error":{code,message,details}}`); only the moment of compiling changes, as
 * for the request validators (validation.ts). `compileAll` compiles what is still pending
 * (test/serializers.test.ts: a broken response schema still fails a test).
 */
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifySerializerCompiler } from 'fastify';
import { compileOnFirstUse } from './compile-on-first-use.js';

type SerializerInput = Parameters<FastifySerializerCompiler<unknown>>[0];

/**
 * Compiles a response schema now, exactly as Fastify does by default: no shared schemas (the app adds none
 * with `addSchema`) and no `serializerOpts`.
 */
const fastJsonStringifyCompiler = SerializerSelector()({}, undefined);
export const compileRouteSerializer: FastifySerializerCompiler<unknown> = (route) =>
  fastJsonStringifyCompiler({ ...route, httpStatus: route.httpStatus ?? '' });

export interface LazySerializers {
  compiler: FastifySerializerCompiler<unknown>;
  /** Compiles every serializer not compiled yet; returns how many there are in all. */
  compileAll(): number;
}

export function lazySerializers(
  compileNow: FastifySerializerCompiler<unknown> = compileRouteSerializer,
): LazySerializers {
  const lazy = compileOnFirstUse(compileNow);
  const compiler: FastifySerializerCompiler<unknown> = (route: SerializerInput) => {
    const compile = lazy.defer(route);
    return (data) => compile()(data);
  };
  return { compiler, compileAll: lazy.compileAll };
}
