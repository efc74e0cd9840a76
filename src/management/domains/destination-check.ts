/**
 * "Send a test event": one synthetic event through a destination's adapter in the platform's test mode
 * (forceTestMode, so nothing is counted as a real conversion), delivered by the worker's own step
 * (deliverBatch: build → send → classify) to the configured platform URL. Used by the dashboard's test button and by every plugin sync
 * (`destination_results`). Nothing is stored but the destination's status when its credentials are refused.
 */
import type { Config } from '../../config.js';
import { deliverBatch } from '../../delivery/deliver-batch.js';
import { type HttpSender, UndiciSender } from '../../delivery/http-client.js';
import { getDestination, isDestinationType } from '../../destinations/registry.js';
import { CONSENT_GRANTED, type OutboundEvent } from '../../destinations/types.js';
import type { Sealer } from '../../lib/crypto.js';
import { randomId } from '../../lib/ids.js';
import type { DB } from '../../storage/db.js';
import { openDestinationConfig } from '../../storage/repos/destinations.js';
import type { DestinationRow, Domain } from '../../storage/schema.js';
import { markCredentialsRejectedAndNotify } from '../../webhooks/delivery-events.js';

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
    consent: CONSENT_GRANTED,
  };
}

/**
 * For a platform that takes only conversions (Google Ads skips page views): a purchase of the same shopper,
 * with an email to match on (example.com, reserved: nobody's). Test mode keeps it out of the reports.
 */
export function syntheticTestConversion(domain: Domain, nowMs: number): OutboundEvent {
  const visit = syntheticTestEvent(domain, nowMs);
  return {
    ...visit,
    eventName: 'Purchase',
    userData: { ...visit.userData, email: 'tagbridge-test@example.com' },
    customData: { value: 1, currency: 'USD', orderId: visit.eventId },
  };
}

/** The test event is sent once: never retried, so its give-up time is never reached. */
const TEST_DELIVERY = { id: REF, attempts: 0, give_up_at: Number.POSITIVE_INFINITY };

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
  const env = { baseUrl: deps.config.platformUrls[row.type], forceTestMode: true };
  const auth = { destinationId: row.id, urls: deps.config.platformExtraUrls[row.type] };
  // The worker's delivering step, with the platform's test mode forced on.
  const deliver = (event: OutboundEvent) =>
    deliverBatch(
      { sender, clock: { now: () => deps.now }, retry: deps.config.delivery },
      {
        adapter,
        config: parsed.config,
        env,
        auth,
        events: [event],
        deliveries: new Map([[REF, TEST_DELIVERY]]),
      },
    );
  let batch = await deliver(syntheticTestEvent(domain, deps.now));
  // A platform that takes no page views (Google Ads) is tested with a purchase.
  if (batch.outcomes[0]?.outcome === 'skipped' && batch.credentialsRejected === null) {
    batch = await deliver(syntheticTestConversion(domain, deps.now));
  }
  if (batch.credentialsRejected !== null) {
    await markCredentialsRejectedAndNotify(deps.db, row, batch.credentialsRejected, deps.now);
  }
  const outcome = batch.outcomes[0];
  if (!outcome) return failed('the adapter built no request');
  switch (outcome.outcome) {
    case 'delivered':
      return { ok: true, statusCode: outcome.statusCode, error: null, credentialsRejected: false };
    case 'skipped':
      return failed(`not sent: ${outcome.message}`);
    case 'timeout':
    case 'network':
      return failed(`${outcome.outcome}: ${outcome.message}`);
    default:
      return {
        ok: false,
        statusCode: outcome.statusCode,
        error: outcome.message ?? outcome.outcome,
        credentialsRejected: batch.credentialsRejected !== null,
      };
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
