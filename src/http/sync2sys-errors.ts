/**
 * Seed 004's error shape, `{"statusCode","message","error"}`, for the store-connection surface under
 * `/api/` (plugin sign-in, stores, sync status, Shopify OAuth, public feeds): the WooCommerce plugin and
 * other Sync2Sys clients read exactly this. Every other surface keeps the project's error model
 * (errors.ts). Routes of this surface are registered inside `sync2sysScope`, whose error handler turns
 * both kinds of error into this shape.
 */
import { STATUS_CODES } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyError } from 'fastify';
import { ApiError } from '../errors.js';
import { describeValidationError } from '../lib/json-schema.js';
import type { App } from './types.js';

export interface Sync2SysErrorBody {
  statusCode: number;
  message: string;
  /** The HTTP reason phrase ("Bad Request"), or a specific code such as `PIM_PRODUCT_LIMIT`. */
  error: string;
  [extra: string]: unknown;
}

/** An error of this surface; `error` defaults to the status's reason phrase. */
export class Sync2SysError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly error: string = STATUS_CODES[statusCode] ?? 'Error',
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sync2sysBody(
  statusCode: number,
  message: string,
  error: string = STATUS_CODES[statusCode] ?? 'Error',
  extra: Record<string, unknown> = {},
): Sync2SysErrorBody {
  return { ...extra, statusCode, message, error };
}

/** The error body's JSON schema, for the routes' response declarations (OpenAPI). */
export const SYNC2SYS_ERROR_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'message', 'error'],
  properties: {
    statusCode: { type: 'integer' },
    message: { type: 'string' },
    error: { type: 'string' },
  },
} as const;

/**
 * Registers `routes` in an encapsulated scope with seed 004's error shape. Project `ApiError`s thrown by
 * shared code keep their status and message; their code travels as `error` only when it is more specific
 * than the reason phrase would be (e.g. `rate_limited` stays "Too Many Requests").
 */
export async function sync2sysScope(app: App, routes: (scope: App) => void | Promise<void>): Promise<void> {
  await app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>() as App;
    scope.setErrorHandler((error: FastifyError | Sync2SysError | ApiError, request, reply) => {
      if (error instanceof Sync2SysError) {
        for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
        return reply
          .status(error.statusCode)
          .send(sync2sysBody(error.statusCode, error.message, error.error, error.extra));
      }
      if (error instanceof ApiError) {
        for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
        return reply.status(error.statusCode).send(sync2sysBody(error.statusCode, error.message));
      }
      if (error.validation && error.validation.length > 0) {
        const first = describeValidationError(error.validation[0]!);
        return reply
          .status(400)
          .send(sync2sysBody(400, `Invalid ${error.validationContext ?? 'request'}: ${first.reason}`));
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500)
        return reply.status(status).send(sync2sysBody(status, error.message));
      request.log.error({ err: error }, 'unhandled error');
      return reply.status(500).send(sync2sysBody(500, 'Internal error; nothing was applied'));
    });
    await routes(scope);
  });
}
