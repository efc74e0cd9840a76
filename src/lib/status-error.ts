/**
 * An expected failure of a use case with its HTTP status and, optionally, a specific code
 * (`INVALID_STORE_CREDENTIALS`), for use cases below the HTTP layer whose surface renders errors in its own
 * shape (seed 004's `{statusCode, message, error}`: the route passes `code` on as `error`).
 */
export class StatusError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}
