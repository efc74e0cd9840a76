/**
 * `Idempotency-Key` for every POST and PATCH made with an API key or a session: the same key with the same
 * request within 24 h answers the stored status and body without doing the work again; the same key with a
 * different request is 422 `idempotency_conflict`; a duplicate that arrives while the first is still running
 * waits for its result (the claim is a database row, so this holds across nodes).
 *
 * Applied with an onRoute hook, so every POST/PATCH route registered after it gets the behaviour, appended
 * after the route's own preHandlers: authentication has run and names the scope a key belongs to. Requests
 * without an API key or session (proxy, login, sync) ignore the header. A route opts out with
 * `config: { idempotency: false }`; a route whose answer holds a secret shown once names that field with
 * `config: { idempotency: { shownOnce: ['key'] } }`, and its replays answer it as null.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest, onSendHookHandler, preHandlerHookHandler } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { ApiError } from '../errors.js';
import { canonicalJson } from '../lib/canonical-json.js';
import { sha256Hex } from '../lib/crypto.js';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  deleteIdempotencyKey,
  purgeExpiredIdempotencyKeys,
  releaseIdempotencyKey,
} from '../storage/repos/idempotency-keys.js';
import type { App } from './types.js';

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
// A claim older than this belongs to a request that died with its node; a new request may take it over.
const LOCK_MS = 30_000;
// Waiting for a concurrent duplicate: a little longer than the lock, so the waiter either gets the result
// or takes the abandoned claim over.
const WAIT_LIMIT_MS = LOCK_MS + 5_000;
const POLL_MS = 20;
const PURGE_INTERVAL_MS = 10 * 60_000;

interface Claim {
  scope: string;
  key: string;
  requestHash: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: Claim | null;
  }
  interface FastifyContextConfig {
    /**
     * false: this POST/PATCH route ignores Idempotency-Key. `shownOnce`: top-level fields of the answer that
     * hold a secret shown only in the first answer (a new API key, a sync token); see `withoutSecrets`.
     */
    idempotency?: boolean | { shownOnce: readonly string[] };
  }
}

/**
 * The answer to store for a route whose answer carries secrets shown once: each such field `null`, and
 * `omittedSecrets` naming them. The secret never reaches the idempotency table (not even sealed), so a replay
 * cannot show it a second time. null: the answer is not a JSON object and is not stored at all.
 */
export function withoutSecrets(payload: string, shownOnce: readonly string[]): string | null {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const fields = body as Record<string, unknown>;
  const omitted = shownOnce.filter((name) => fields[name] !== undefined && fields[name] !== null);
  if (omitted.length === 0) return payload;
  for (const name of omitted) fields[name] = null;
  return JSON.stringify({ ...fields, omittedSecrets: omitted });
}

function scopeOf(request: FastifyRequest): { scope: string; orgId: string | null } | null {
  if (request.apiKey) return { scope: `key:${request.apiKey.id}`, orgId: request.apiKey.orgId };
  if (request.session) {
    const { userId, orgId } = request.session;
    return { scope: `user:${userId}:${orgId ?? '-'}`, orgId };
  }
  return null;
}

function headerKey(request: FastifyRequest): string | null {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return null;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!key || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new ApiError('validation_failed', 'Idempotency-Key must be 1 to 255 visible ASCII characters', {
      field: 'Idempotency-Key',
    });
  }
  return key;
}

/** The associated data a stored answer is sealed with (bound to its scope and key). */
export function sealContext(scope: string, key: string): string {
  return `idempotency\u0000${scope}\u0000${key}`;
}

export function registerIdempotency(app: App, deps: AppDeps): void {
  app.decorateRequest('idempotency', null);
  const { db } = deps.storage;
  let lastPurge = 0;

  const preHandler = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> => {
    const key = headerKey(request);
    if (key === null) return undefined;
    const owner = scopeOf(request);
    if (!owner) return undefined;
    const requestHash = sha256Hex(`${request.method} ${request.url}\n${canonicalJson(request.body)}`);
    const started = Date.now();
    for (;;) {
      const now = deps.clock.now();
      if (now - lastPurge > PURGE_INTERVAL_MS) {
        lastPurge = now;
        await purgeExpiredIdempotencyKeys(db, now);
      }
      const claim = await claimIdempotencyKey(db, {
        scope: owner.scope,
        key,
        orgId: owner.orgId,
        method: request.method,
        path: request.url.split('?')[0] ?? request.url,
        requestHash,
        now,
        lockMs: LOCK_MS,
        ttlMs: IDEMPOTENCY_TTL_MS,
      });
      if (claim.claimed) {
        request.idempotency = { scope: owner.scope, key, requestHash };
        return undefined;
      }
      const { row } = claim;
      if (row.request_hash !== requestHash) {
        throw new ApiError(
          'idempotency_conflict',
          'This Idempotency-Key was already used with a different request; use a new key for a new request',
          { idempotency_key: key, original: `${row.method} ${row.path}` },
        );
      }
      if (row.status === 'completed' && row.response_status !== null && row.response_body !== null) {
        let body: string;
        try {
          body = deps.sealer.open<string>(row.response_body, sealContext(owner.scope, key));
        } catch (error) {
          // Sealed with a key since dropped from ENCRYPTION_KEYS_PREVIOUS: the answer is lost, so the
          // request is treated as new rather than failing every retry for the rest of the 24 hours.
          request.log.warn(
            { err: error, idempotencyKey: key },
            'stored idempotent response cannot be opened',
          );
          await deleteIdempotencyKey(db, owner.scope, key);
          continue;
        }
        reply
          .code(row.response_status)
          .header('content-type', 'application/json; charset=utf-8')
          .header('idempotent-replayed', 'true');
        return reply.send(body);
      }
      // The first request with this key is still running (here or on another node): wait for its result.
      if (Date.now() - started > WAIT_LIMIT_MS) {
        throw new ApiError(
          'service_unavailable',
          'A request with this Idempotency-Key is still in progress; retry shortly',
          { idempotency_key: key },
          { 'retry-after': '1' },
        );
      }
      await sleep(POLL_MS);
    }
  };

  const storeAnswer =
    (shownOnce: readonly string[]): onSendHookHandler =>
    async (request, reply, payload) => {
      const claim = request.idempotency;
      if (!claim) return payload;
      request.idempotency = null;
      const status = reply.statusCode;
      // The answer as a replay may show it: without the secrets that were shown once.
      const stored =
        typeof payload !== 'string' ? null : shownOnce.length ? withoutSecrets(payload, shownOnce) : payload;
      // Server errors and rate limits are not the request's answer: a retry with the same key does the work.
      if (status >= 500 || status === 429 || stored === null) {
        await releaseIdempotencyKey(db, claim);
        return payload;
      }
      await completeIdempotencyKey(db, {
        ...claim,
        status,
        body: deps.sealer.seal(stored, sealContext(claim.scope, claim.key)),
      });
      return payload;
    };

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => m === 'POST' || m === 'PATCH')) return;
    const option = route.config?.idempotency;
    if (option === false) return;
    const before = route.preHandler ? [route.preHandler].flat() : [];
    const sends = route.onSend ? [route.onSend].flat() : [];
    route.preHandler = [...before, preHandler as preHandlerHookHandler];
    route.onSend = [...sends, storeAnswer(typeof option === 'object' ? option.shownOnce : [])];
  });
}
