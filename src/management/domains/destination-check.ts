/**
 * "Send a test event": one synthetic event through a destination's adapter in the platform's test mode
 * (forceTestMode, so nothing is counted as a real conversion), sent to the configured platform URL, and
 * classified the way the worker would. Used by the dashboard's test button and by every plugin sync
 * (`destination_results`). Nothing is stored but the destination's status when its credentials are refused.
 */
import type { Config } from '../../config.js';
import { type HttpSender, UndiciSender } from '../../delivery/http-client.js';
import { getDestination, isDestinationType } from '../../destinations/registry.js';
import type { OutboundEvent } from '../../destinations/types.js';
import type { Sealer } from '../../lib/crypto.js';
import { randomId } from '../../lib/ids.js';
import type { DB } from '../../storage/db.js';
import { openDestinationConfig } from '../../storage/repos/destinations.js';
import { markCredentialsRejected } from '../../storage/repos/domain-admin.js';
import type { DestinationRow, Domain } from '../../storage/schema.js';

export interface DestinationCheck {
  ok: boolean;
  /** The platform's HTTP status; null when no request was answered (or none could be built). */
  statusCode: number | null;
  /** The platform's own error message (or why nothing was sent); null on success. */
  error: string | null;
  /** The platform refused the credentials: the destination is now `needs_attention`. */
  credentialsRejected: boolean;
}

export interface CheckDeps {
  config: Config;
  sealer: Sealer;
  db: DB;
  now: number;
}

const REF = 'test';

/** A minimal event every platform accepts: a page visit with the identifiers all of them can match on. */
export function syntheticTestEvent(domain: Domain, nowMs: number): OutboundEvent {
  return {
    ref: REF,
    eventName: 'PageVisit',
    eventId: `tagbridge_test_${randomId(8)}`,
    eventTime: Math.floor(nowMs / 1000),
    eventSourceUrl: domain.shop_url ?? `https://${domain.host}/`,
    userData: {
      ipAddress: '203.0.113.10',
      userAgent: 'Mozilla/5.0 (compatible; Tagbridge test event)',
      externalId: 'tagbridge-test',
    },
    customData: {},
    defaultCountry: domain.default_country,
  };
}

async function checkOne(
  deps: CheckDeps,
  sender: HttpSender,
  domain: Domain,
  row: DestinationRow,
): Promise<DestinationCheck> {
  const failed = (error: string, statusCode: number | null = null): DestinationCheck => ({
    ok: false,
    statusCode,
    error,
    credentialsRejected: false,
  });
  if (!isDestinationType(row.type)) return failed(`unsupported destination type ${row.type}`);
  const adapter = getDestination(row.type);
  const parsed = adapter.parseConfig(openDestinationConfig(deps.sealer, row));
  if (!parsed.ok) return failed(`invalid configuration: ${parsed.errors.join('; ')}`);
  const built = adapter.build([syntheticTestEvent(domain, deps.now)], parsed.config, {
    baseUrl: deps.config.platformUrls[row.type],
    forceTestMode: true,
  });
  const skipped = built.skipped[0];
  if (skipped) return failed(`not sent: ${skipped.reason}`);
  const req = built.requests[0];
  if (!req) return failed('the adapter built no request');
  const sent = await sender.send(req);
  if (!sent.ok) return failed(`${sent.kind}: ${sent.message}`);
  const status = sent.response.status;
  const verdict = adapter.classify(sent.response, req);
  switch (verdict.kind) {
    case 'delivered':
      return { ok: true, statusCode: status, error: null, credentialsRejected: false };
    case 'partial': {
      const failure = verdict.failures.find((f) => f.ref === REF);
      return failure
        ? failed(failure.message, status)
        : { ok: true, statusCode: status, error: null, credentialsRejected: false };
    }
    case 'rejected':
      if (verdict.credentials) {
        await markCredentialsRejected(deps.db, row.id, row.config_version, verdict.message, deps.now);
      }
      return {
        ok: false,
        statusCode: status,
        error: verdict.message,
        credentialsRejected: verdict.credentials,
      };
    case 'retry':
    case 'throttled':
      return failed(verdict.message, status);
  }
}

/** Test-mode checks of several destinations in parallel; results by destination id. */
export async function checkDestinations(
  deps: CheckDeps,
  domain: Domain,
  rows: DestinationRow[],
): Promise<Map<string, DestinationCheck>> {
  const out = new Map<string, DestinationCheck>();
  if (rows.length === 0) return out;
  // A person (or the plugin) waits for this answer: never longer than 10 s per platform.
  const sender = new UndiciSender(Math.min(deps.config.delivery.requestTimeoutMs, 10_000));
  try {
    const results = await Promise.all(rows.map((row) => checkOne(deps, sender, domain, row)));
    rows.forEach((row, i) => {
      out.set(row.id, results[i]!);
    });
  } finally {
    await sender.close();
  }
  return out;
}
