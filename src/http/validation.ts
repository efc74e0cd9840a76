/** Fastify's schema compiler: request bodies strictly, query strings and params with coercion. */
import type { FastifySchemaCompiler } from 'fastify';
import { compileValidator } from '../lib/json-schema.js';

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  compileValidator(schema as object, { coerce: httpPart !== 'body' }) as ReturnType<
    FastifySchemaCompiler<unknown>
  >;
