/**
 * Outbound webhooks' SQL: endpoints (per org), the message queue (one row per endpoint and event, leased
 * like the delivery queue: an expiring lease, FOR UPDATE SKIP LOCKED on PostgreSQL), attempts, retention and
 * one-time claims. Fan-out (`enqueueWebhookEvent`) takes the caller's transaction, so a message is written
 * together with the change it reports.
 */
import { sql } from 'kysely';
import { newId } from '../../lib/ids.js';
import type { DB, Dialect } from '../db.js';
import type { WebhookAttemptsTable, WebhookEndpointsTable, WebhookMessagesTable } from '../schema.js';

export type WebhookEndpointRow = WebhookEndpointsTable;
export type WebhookMessageRow = WebhookMessagesTable;
export type WebhookAttemptRow = WebhookAttemptsTable;

/** `'pending'` as a literal: the due and per-endpoint indexes are partial on it (SQLite needs the constant). */
const PENDING = sql.lit('pending');

function inList(dialect: Dialect, column: string, values: readonly string[]) {
  return dialect === 'postgres'
    ? sql<boolean>`${sql.ref(column)} = any(${values})`
    : sql<boolean>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(values)}))`;
}

/** `event_types` (comma-separated) contains `type`. */
function subscribesTo(type: string) {
  return sql<boolean>`(',' || event_types || ',') like ${`%,${type},%`}`;
}

// ── endpoints ────────────────────────────────────────────────────────────────────────────────────────

export async function insertWebhookEndpoint(db: DB, row: WebhookEndpointRow): Promise<void> {
  await db.insertInto('webhook_endpoints').values(row).execute();
}

export async function listWebhookEndpoints(db: DB, orgId: string): Promise<WebhookEndpointRow[]> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function countWebhookEndpoints(db: DB, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** An org's endpoint; `orgId` null is the operator (CLI) or the dispatcher looking across orgs. */
export async function getWebhookEndpoint(
  db: DB,
  orgId: string | null,
  id: string,
): Promise<WebhookEndpointRow | undefined> {
  let query = db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id);
  if (orgId !== null) query = query.where('org_id', '=', orgId);
  return query.executeTakeFirst();
}

export async function getWebhookEndpoints(
  db: DB,
  dialect: Dialect,
  ids: readonly string[],
): Promise<WebhookEndpointRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where(inList(dialect, 'id', ids))
    .execute();
}

export type WebhookEndpointPatch = Partial<
  Pick<
    WebhookEndpointRow,
    'url' | 'description' | 'event_types' | 'enabled' | 'disabled_reason' | 'failing_since'
  >
> &
  Partial<
    Pick<WebhookEndpointRow, 'secret_sealed' | 'previous_secret_sealed' | 'previous_secret_expires_at'>
  >;

export async function updateWebhookEndpoint(
  db: DB,
  orgId: string,
  id: string,
  patch: WebhookEndpointPatch,
  now: number,
): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({ ...patch, updated_at: now })
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .execute();
}

/** Deletes an endpoint with its messages and attempts. */
export async function deleteWebhookEndpoint(db: DB, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('webhook_attempts').where('endpoint_id', '=', id).execute();
  await db.deleteFrom('webhook_messages').where('endpoint_id', '=', id).where('org_id', '=', orgId).execute();
  await db.deleteFrom('webhook_endpoints').where('id', '=', id).where('org_id', '=', orgId).execute();
}

/** The org's enabled endpoints with the types they subscribe to (the subscription cache loads this). */
export async function enabledWebhookSubscriptions(
  db: DB,
  orgId: string,
): Promise<Array<{ id: string; eventTypes: string[] }>> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .select(['id', 'event_types'])
    .where('org_id', '=', orgId)
    .where('enabled', '=', 1)
    .execute();
  return rows.map((r) => ({ id: r.id, eventTypes: r.event_types.split(',').filter(Boolean) }));
}

/** Orgs (with their plan) that have an enabled endpoint subscribed to `type`. */
export async function orgsSubscribedTo(
  db: DB,
  type: string,
): Promise<Array<{ orgId: string; plan: string }>> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .innerJoin('orgs', 'orgs.id', 'webhook_endpoints.org_id')
    .select(['orgs.id as orgId', 'orgs.plan as plan'])
    .where('webhook_endpoints.enabled', '=', 1)
    .where(subscribesTo(type))
    .distinct()
    .execute();
  return rows;
}

/** Records a failed attempt's time: the start of a failure streak is kept. Returns that start. */
export async function noteEndpointFailure(db: DB, id: string, now: number): Promise<number> {
  await db
    .updateTable('webhook_endpoints')
    .set({ failing_since: now })
    .where('id', '=', id)
    .where('failing_since', 'is', null)
    .execute();
  const row = await db
    .selectFrom('webhook_endpoints')
    .select('failing_since')
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.failing_since ?? now;
}

/** Any success ends a failure streak (written only when there was one). */
export async function noteEndpointSuccess(db: DB, id: string): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({ failing_since: null })
    .where('id', '=', id)
    .where('failing_since', 'is not', null)
    .execute();
}

/**
 * Disables an enabled endpoint (`reason`: gone, failing, or null when a person does it) and fails its
 * pending messages, so the queue holds nothing for an endpoint that is not called. True if it was enabled.
 */
export async function disableWebhookEndpoint(
  db: DB,
  id: string,
  reason: string | null,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ enabled: 0, disabled_reason: reason, updated_at: now })
    .where('id', '=', id)
    .where('enabled', '=', 1)
    .executeTakeFirst();
  await db
    .updateTable('webhook_messages')
    .set({
      status: 'failed',
      final_at: now,
      updated_at: now,
      lease_owner: null,
      lease_expires_at: null,
      last_error: 'endpoint disabled',
    })
    .where('endpoint_id', '=', id)
    .where('status', '=', PENDING)
    .execute();
  return Number(result.numUpdatedRows) > 0;
}

// ── fan-out ──────────────────────────────────────────────────────────────────────────────────────────

export interface WebhookEventInput {
  orgId: string;
  type: string;
  /** The message body as sent: `{"type","timestamp","data"}` serialized. */
  payload: string;
  now: number;
  /** Only these endpoints (already known to be enabled and subscribed); default: every subscribed one. */
  endpointIds?: readonly string[];
  /** Per-endpoint cap on pending messages: an endpoint at the cap does not get this event. */
  maxPendingPerEndpoint: number;
}

export interface EnqueueResult {
  messageIds: string[];
  /** Endpoints that were at their pending cap and did not get the event. */
  refusedEndpointIds: string[];
}

/**
 * Fans one event out to endpoints: one message per endpoint. Costs one statement to find the subscribers
 * (none when `endpointIds` is given), one to count their pending messages, one INSERT. Pass the
 * transaction of the change that causes the event.
 */
export async function enqueueWebhookEvent(db: DB, input: WebhookEventInput): Promise<EnqueueResult> {
  return enqueueWebhookEvents(db, { ...input, payloads: [input.payload] });
}

/** Messages for known endpoints, written inside another repo's transaction (a batch's outcomes). */
export type WebhookFanout = Omit<WebhookEventInput, 'payload' | 'now' | 'endpointIds'> & {
  endpointIds: readonly string[];
  payloads: readonly string[];
};

/** Several events of one type and org at once (a batch's delivery outcomes): still three statements. */
export async function enqueueWebhookEvents(
  db: DB,
  input: Omit<WebhookEventInput, 'payload'> & { payloads: readonly string[] },
): Promise<EnqueueResult> {
  const { orgId, type, now } = input;
  if (input.payloads.length === 0) return { messageIds: [], refusedEndpointIds: [] };
  const endpointIds =
    input.endpointIds ??
    (
      await db
        .selectFrom('webhook_endpoints')
        .select('id')
        .where('org_id', '=', orgId)
        .where('enabled', '=', 1)
        .where(subscribesTo(type))
        .execute()
    ).map((r) => r.id);
  if (endpointIds.length === 0) return { messageIds: [], refusedEndpointIds: [] };
  const pending = await db
    .selectFrom('webhook_messages')
    .select(['endpoint_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '=', PENDING)
    // An org has a handful of endpoints (MAX_ENDPOINTS_PER_ORG): a plain IN list.
    .where('endpoint_id', 'in', endpointIds)
    .groupBy('endpoint_id')
    .execute();
  const full = new Set(
    pending.filter((p) => Number(p.n) >= input.maxPendingPerEndpoint).map((p) => p.endpoint_id),
  );
  const rows: WebhookMessageRow[] = [];
  for (const endpointId of endpointIds) {
    if (full.has(endpointId)) continue;
    for (const payload of input.payloads) {
      rows.push({
        id: newId('msg', now),
        org_id: orgId,
        endpoint_id: endpointId,
        event_type: type,
        payload,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        lease_owner: null,
        lease_expires_at: null,
        last_status_code: null,
        last_error: null,
        created_at: now,
        updated_at: now,
        final_at: null,
      });
    }
  }
  // 15 values a row: within both dialects' limit on bound parameters.
  for (let i = 0; i < rows.length; i += 1000) {
    await db
      .insertInto('webhook_messages')
      .values(rows.slice(i, i + 1000))
      .execute();
  }
  return { messageIds: rows.map((r) => r.id), refusedEndpointIds: [...full] };
}

/** Claims `key` for the org once (a quota threshold per month): true the first time only. */
export async function claimOnce(db: DB, orgId: string, key: string, now: number): Promise<boolean> {
  const result = await db
    .insertInto('webhook_claims')
    .values({ org_id: orgId, claim_key: key, created_at: now })
    .onConflict((oc) => oc.columns(['org_id', 'claim_key']).doNothing())
    .returning('claim_key')
    .executeTakeFirst();
  return result !== undefined;
}

// ── the queue ────────────────────────────────────────────────────────────────────────────────────────

export type LeasedWebhookMessage = Pick<
  WebhookMessageRow,
  'id' | 'org_id' | 'endpoint_id' | 'event_type' | 'payload' | 'attempts'
>;

/**
 * Leases up to `limit` due messages, oldest first, skipping endpoints in `excludeEndpoints` (at their
 * concurrency limit). PostgreSQL: the candidates are locked with SKIP LOCKED; SQLite serializes writers.
 */
export async function leaseWebhookMessages(
  db: DB,
  dialect: Dialect,
  input: { owner: string; now: number; leaseMs: number; limit: number; excludeEndpoints: readonly string[] },
): Promise<LeasedWebhookMessage[]> {
  const { owner, now, leaseMs, limit } = input;
  let candidates = db
    .selectFrom('webhook_messages')
    .select('id')
    .where('status', '=', PENDING)
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
    .orderBy('next_attempt_at')
    .limit(limit);
  if (input.excludeEndpoints.length > 0) {
    candidates = candidates.where(
      sql<boolean>`not ${inList(dialect, 'endpoint_id', input.excludeEndpoints)}`,
    );
  }
  const update =
    dialect === 'postgres'
      ? db
          .with(
            (cte) => cte('candidates').materialized(),
            () => candidates.forUpdate().skipLocked(),
          )
          .updateTable('webhook_messages')
          .where('id', 'in', (eb) => eb.selectFrom('candidates').select('candidates.id'))
      : db.updateTable('webhook_messages').where('id', 'in', candidates);
  return update
    .set({ lease_owner: owner, lease_expires_at: now + leaseMs })
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
    .returning(['id', 'org_id', 'endpoint_id', 'event_type', 'payload', 'attempts'])
    .execute();
}

/** Gives leased messages back untouched (over an endpoint's concurrency, or on shutdown). */
export async function releaseWebhookLeases(
  db: DB,
  dialect: Dialect,
  owner: string,
  ids?: readonly string[],
): Promise<void> {
  let update = db
    .updateTable('webhook_messages')
    .set({ lease_owner: null, lease_expires_at: null })
    .where('lease_owner', '=', owner)
    .where('status', '=', PENDING);
  if (ids) {
    if (ids.length === 0) return;
    update = update.where(inList(dialect, 'id', ids));
  }
  await update.execute();
}

/** A leased message whose endpoint was disabled meanwhile: failed without an attempt. */
export async function failUnsentWebhookMessage(
  db: DB,
  input: { id: string; owner: string; now: number; error: string },
): Promise<void> {
  await db
    .updateTable('webhook_messages')
    .set({
      status: 'failed',
      final_at: input.now,
      updated_at: input.now,
      lease_owner: null,
      lease_expires_at: null,
      last_error: input.error,
    })
    .where('id', '=', input.id)
    .where('lease_owner', '=', input.owner)
    .execute();
}

export interface WebhookAttemptRecord {
  messageId: string;
  endpointId: string;
  owner: string;
  /** The attempt's number (1 for the first). */
  attempt: number;
  at: number;
  statusCode: number | null;
  durationMs: number;
  outcome: 'delivered' | 'retry' | 'failed' | 'gone';
  responseBody: string | null;
  error: string | null;
  /** pending (with nextAttemptAt) | delivered | failed */
  status: 'pending' | 'delivered' | 'failed';
  nextAttemptAt: number;
}

/** Writes an attempt and the message's new state (only while this owner holds its lease). */
export async function recordWebhookAttempt(db: DB, record: WebhookAttemptRecord): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('webhook_messages')
      .set({
        status: record.status,
        attempts: record.attempt,
        next_attempt_at: record.nextAttemptAt,
        lease_owner: null,
        lease_expires_at: null,
        last_status_code: record.statusCode,
        last_error: record.error,
        updated_at: record.at,
        final_at: record.status === 'pending' ? null : record.at,
      })
      .where('id', '=', record.messageId)
      .where('lease_owner', '=', record.owner)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return;
    await trx
      .insertInto('webhook_attempts')
      .values({
        id: newId('wha', record.at),
        message_id: record.messageId,
        endpoint_id: record.endpointId,
        attempt: record.attempt,
        at: record.at,
        status_code: record.statusCode,
        duration_ms: record.durationMs,
        outcome: record.outcome,
        response_body: record.responseBody,
        error: record.error,
      })
      .execute();
  });
}

// ── reading and resending ────────────────────────────────────────────────────────────────────────────

export async function listWebhookMessages(
  db: DB,
  orgId: string,
  endpointId: string,
  options: { status?: string | undefined; limit: number; before?: string | undefined },
): Promise<WebhookMessageRow[]> {
  let query = db
    .selectFrom('webhook_messages')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('endpoint_id', '=', endpointId);
  if (options.status) query = query.where('status', '=', options.status);
  if (options.before) query = query.where('id', '<', options.before);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}

export async function getWebhookMessage(
  db: DB,
  orgId: string,
  id: string,
): Promise<WebhookMessageRow | undefined> {
  return db
    .selectFrom('webhook_messages')
    .selectAll()
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

export async function listWebhookAttempts(
  db: DB,
  endpointId: string,
  options: { messageId?: string | undefined; limit: number },
): Promise<WebhookAttemptRow[]> {
  let query = db.selectFrom('webhook_attempts').selectAll().where('endpoint_id', '=', endpointId);
  if (options.messageId) query = query.where('message_id', '=', options.messageId);
  return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}

/** Makes a message due now again (whatever its state): the next attempt follows the remaining schedule. */
export async function resendWebhookMessage(db: DB, orgId: string, id: string, now: number): Promise<void> {
  await db
    .updateTable('webhook_messages')
    .set({
      status: 'pending',
      next_attempt_at: now,
      final_at: null,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .execute();
}

// ── retention ────────────────────────────────────────────────────────────────────────────────────────

/**
 * Deletes attempts and finished messages older than `cutoff`, and claims older than `claimCutoff`, at most
 * `limit` rows of each per call (maintenance calls it again next round). Returns what it deleted.
 */
export async function deleteOldWebhookData(
  db: DB,
  input: { cutoff: number; claimCutoff: number; limit: number },
): Promise<{ messages: number; attempts: number }> {
  const attempts = await db
    .deleteFrom('webhook_attempts')
    .where('id', 'in', (eb) =>
      eb.selectFrom('webhook_attempts').select('id').where('at', '<', input.cutoff).limit(input.limit),
    )
    .executeTakeFirst();
  const messages = await db
    .deleteFrom('webhook_messages')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('webhook_messages')
        .select('id')
        .where('created_at', '<', input.cutoff)
        .where('status', '<>', 'pending')
        .limit(input.limit),
    )
    .executeTakeFirst();
  await db.deleteFrom('webhook_claims').where('created_at', '<', input.claimCutoff).execute();
  return { messages: Number(messages.numDeletedRows), attempts: Number(attempts.numDeletedRows) };
}

/** Owners' addresses (mail when an endpoint is disabled automatically). */
export async function ownerEmails(db: DB, orgId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('users.email')
    .where('memberships.org_id', '=', orgId)
    .where('memberships.role', '=', 'owner')
    .execute();
  return rows.map((r) => r.email);
}
