/**
 * A domain's diagnostics over a time range (management API, public API, CLI): how its events will match
 * on each platform, whether browser and server send the same event ids, and warnings a shop can act on.
 * Figures are counted in SQL (storage/repos/diagnostics.ts) from flags decided at ingest and from what
 * each delivery carried; no personal value is read.
 */
import { type Static, Type } from 'typebox';
import { keyBit } from '../destinations/match-quality.js';
import { USER_DATA_KEYS, type UserDataKey } from '../destinations/types.js';
import type { DB } from '../storage/db.js';
import {
  countDestinationKeys,
  countEventDiagnostics,
  type DiagnosticsRange,
} from '../storage/repos/diagnostics.js';
import { DIAGNOSTIC_FLAGS, type DiagnosticFlag } from './diagnostics.js';

const WARNINGS: Array<{ flag: DiagnosticFlag; code: string; advice: string }> = [
  {
    flag: 'ipNotPublic',
    code: 'ip_not_public',
    advice:
      'These events carried a private or loopback IP — your server’s or a proxy’s, never the shopper’s — so no IP was sent. Send the shopper’s IP, or run Tagbridge behind your proxy with TRUST_PROXY so it reads X-Forwarded-For.',
  },
  {
    flag: 'ipShared',
    code: 'ip_shared_by_many_shoppers',
    advice:
      'The same IP arrived with many different shoppers: most likely your server’s IP sent as the shopper’s. Platforms then match poorly; send the IP of the shopper’s browser.',
  },
  {
    flag: 'ipWithPort',
    code: 'ip_with_port',
    advice: 'IPs arrived with a port (1.2.3.4:5678). Tagbridge removes it; better send the address alone.',
  },
  {
    flag: 'ipMalformed',
    code: 'ip_malformed',
    advice: 'IPs that are not IP addresses were dropped. Check what your integration puts in ipAddress.',
  },
  {
    flag: 'clickIdNotInEvent',
    code: 'click_id_missing',
    advice:
      'The page URL carried an ad click id (fbclid, gclid, ttclid, msclkid, …) that the event did not. Keep the click id from the landing page (the _fbc cookie, gclid, …) and send it in userData.',
  },
  {
    flag: 'noIdentifier',
    code: 'no_identifier',
    advice:
      'Events with nothing a platform can match a person on (no email, phone, external id, click id or browser id). Send at least the browser ids (fbp, _ga, …) and, on checkout, the email.',
  },
];

const ratio = (part: number, whole: number) =>
  whole === 0 ? null : Math.round((part / whole) * 1000) / 1000;
const Ratio = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]);
const Count = Type.Integer({ minimum: 0 });

export const DiagnosticsReportSchema = Type.Object({
  domainId: Type.Union([Type.String(), Type.Null()], { description: 'null: every domain of the org.' }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  events: Count,
  browserEvents: Type.Integer({ minimum: 0, description: 'From the shopper’s browser (PMW, pixel).' }),
  deduplication: Type.Object(
    {
      pairedEvents: Count,
      rate: Ratio,
    },
    {
      description:
        'Events whose eventId also arrived from the other path (browser and server): stored and sent once, and the platforms can deduplicate them against their own pixel.',
    },
  ),
  purchases: Type.Object({ count: Count, withClickId: Count, clickIdRate: Ratio }),
  flags: Type.Record(Type.String(), Count, { description: 'Events per diagnostics flag.' }),
  warnings: Type.Array(
    Type.Object({ code: Type.String(), events: Count, share: Ratio, message: Type.String() }),
    { description: 'Only the problems that occurred in the range, most events first.' },
  ),
  destinations: Type.Array(
    Type.Object({
      destinationId: Type.String(),
      type: Type.String(),
      deliveries: Count,
      meanMatchScore: Type.Union([Type.Number(), Type.Null()], {
        description: '0–10, from the identifiers sent and the platform’s weights (docs/diagnostics.md).',
      }),
      skippedForConsent: Count,
      coverage: Type.Record(Type.String(), Ratio, {
        description: 'Per identifier the platform uses: the share of deliveries that carried it.',
      }),
    }),
  ),
});
export type DiagnosticsReport = Static<typeof DiagnosticsReportSchema>;

export interface DiagnosticsInput extends DiagnosticsRange {
  /** The identifiers each destination type can use (its declaration), for the coverage figures. */
  identifiersOf(type: string): readonly UserDataKey[];
}

export async function diagnosticsReport(db: DB, input: DiagnosticsInput): Promise<DiagnosticsReport> {
  const flagBits = Object.values(DIAGNOSTIC_FLAGS);
  const keyBits = USER_DATA_KEYS.map(keyBit);
  const [events, destinations] = await Promise.all([
    countEventDiagnostics(db, input, flagBits, DIAGNOSTIC_FLAGS.hasClickId),
    countDestinationKeys(db, input, keyBits),
  ]);
  const flagged = (flag: DiagnosticFlag) => events.flagged[DIAGNOSTIC_FLAGS[flag]] ?? 0;
  const paired = flagged('pairedAcrossPaths');
  return {
    domainId: input.domainId ?? null,
    from: new Date(input.from).toISOString(),
    to: new Date(input.to).toISOString(),
    events: events.events,
    browserEvents: events.browserEvents,
    deduplication: { pairedEvents: paired, rate: ratio(paired, events.events) },
    purchases: {
      count: events.purchases,
      withClickId: events.purchasesWithClickId,
      clickIdRate: ratio(events.purchasesWithClickId, events.purchases),
    },
    flags: Object.fromEntries(
      (Object.keys(DIAGNOSTIC_FLAGS) as DiagnosticFlag[]).map((f) => [f, flagged(f)]),
    ),
    warnings: WARNINGS.filter(({ flag }) => flagged(flag) > 0)
      .map(({ flag, code, advice }) => ({
        code,
        events: flagged(flag),
        share: ratio(flagged(flag), events.events),
        message: advice,
      }))
      .sort((a, b) => b.events - a.events),
    destinations: destinations.map((d) => ({
      destinationId: d.destinationId,
      type: d.destinationType,
      deliveries: d.deliveries,
      meanMatchScore: d.meanScore === null ? null : Math.round(d.meanScore * 10) / 10,
      skippedForConsent: d.skippedForConsent,
      coverage: Object.fromEntries(
        input
          .identifiersOf(d.destinationType)
          .map((key) => [key, ratio(d.withKey[keyBit(key)] ?? 0, d.measured)]),
      ),
    })),
  };
}
