/**
 * Nesting depth of parsed bodies. JSON.parse takes thousands of levels, but what runs on the body next does
 * not: JSON.stringify (sealing, the stored customData), the idempotency hash's canonical JSON and other
 * recursive walks overflow the stack at a few thousand levels, and a RangeError is a 500. No body any
 * entry point documents nests deeper than about ten levels, so one app-wide check after parsing (every
 * content-type parser: JSON, the pixel's text/plain, forms) refuses deeper ones as the sender's 400.
 */
import type { preValidationHookHandler } from 'fastify';
import { ApiError } from '../errors.js';

/** Deepest nesting a request body may have (objects and arrays; `{}` at the top is depth 1). */
export const MAX_BODY_DEPTH = 64;

/** Whether `value` nests deeper than `limit`; iterative, so the check itself cannot overflow the stack. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  // Two parallel stacks and in-place loops: no pair per node and no array of each object's values (this
  // walks every request body).
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > limit) return true;
    if (Array.isArray(node)) {
      for (const child of node) {
        if (child !== null && typeof child === 'object') {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      const record = node as Record<string, unknown>;
      for (const key in record) {
        const child = record[key];
        if (child !== null && typeof child === 'object') {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** The app-wide preValidation hook: a body nested deeper than MAX_BODY_DEPTH is the route's 400. */
export const refuseDeepBodies: preValidationHookHandler = (request, _reply, done) => {
  const body: unknown = request.body;
  // Raw bodies (shop webhooks' bytes) are not walked: their readers have their own checks.
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) {
    if (nestsDeeperThan(body, MAX_BODY_DEPTH)) {
      const code = request.routeOptions.config?.invalidCode ?? 'validation_failed';
      done(
        new ApiError(code, `The body nests deeper than ${MAX_BODY_DEPTH} levels`, {
          field: '(body)',
          maxDepth: MAX_BODY_DEPTH,
        }),
      );
      return;
    }
  }
  done();
};
