/**
 * What the shopper allowed, resolved once per event at ingest, from (strongest first):
 * 1. an IAB TCF v2.2 string (`consent.tcString`) when GDPR applies: device storage is purpose 1, ad user
 *    data purposes 1 and 7, personalised ads purposes 3 and 4 (the mapping Google's consent mode uses);
 * 2. the event's own flags (`consent.ads`, `consent.analytics`), which can only narrow what a TC string
 *    allows: a shop that says "no ads" is never overruled by a CMP string;
 * 3. the domain's default for events that say nothing: `forward` (treat as granted) or `deny` (hold back,
 *    for shops whose visitors are in the EU and whose CMP does not reach the server).
 * `dataProcessing.ldu` adds the US-state limited-data-use flag (Meta, TikTok, Reddit apply it).
 *
 * The decision is stored with the event (`events.consent`, see encodeConsent) so the delivery applies what
 * held when the event happened, and the event log shows it. Each destination applies it with its own
 * mechanism, or skips the event with reason `consent` where it has none.
 */
import { TCString } from '@iabtechlabtcf/core';
import { type Static, Type } from 'typebox';
import { CONSENT_GRANTED, type ConsentDecision } from '../destinations/types.js';

export const CONSENT_DEFAULTS = ['forward', 'deny'] as const;
export type ConsentDefault = (typeof CONSENT_DEFAULTS)[number];

export interface InboundConsent {
  ads?: boolean | undefined;
  analytics?: boolean | undefined;
  tcString?: string | undefined;
  gdprApplies?: boolean | undefined;
}

export interface InboundDataProcessing {
  ldu: boolean;
  country?: string | undefined;
  state?: string | undefined;
}

/** A TC string that does not decode: the event is refused with this message rather than guessed at. */
export class ConsentError extends Error {}

const DENIED: ConsentDecision = Object.freeze({
  adStorage: false,
  adUserData: false,
  adPersonalization: false,
  analytics: false,
  source: 'default',
});

interface Purposes {
  has(id: number): boolean;
}

function fromTcString(tcString: string): ConsentDecision {
  let purposes: Purposes;
  try {
    purposes = TCString.decode(tcString).purposeConsents;
  } catch (error) {
    throw new ConsentError(`consent.tcString is not a valid TCF v2 string (${(error as Error).message})`);
  }
  const storage = purposes.has(1);
  return {
    adStorage: storage,
    adUserData: storage && purposes.has(7),
    adPersonalization: storage && purposes.has(3) && purposes.has(4),
    // TCF has no analytics purpose of its own; measuring needs the device-storage purpose.
    analytics: storage,
    source: 'tcf',
  };
}

export function resolveConsent(
  consent: InboundConsent | undefined,
  dataProcessing: InboundDataProcessing | undefined,
  domainDefault: ConsentDefault,
): ConsentDecision {
  const tcfApplies = consent?.tcString !== undefined && consent.gdprApplies !== false;
  const stated = consent?.ads !== undefined || consent?.analytics !== undefined;
  let decision: ConsentDecision;
  if (tcfApplies) {
    const tcf = fromTcString(consent.tcString!);
    const ads = consent.ads ?? true;
    decision = {
      adStorage: tcf.adStorage && ads,
      adUserData: tcf.adUserData && ads,
      adPersonalization: tcf.adPersonalization && ads,
      analytics: tcf.analytics && (consent.analytics ?? true),
      source: 'tcf',
    };
  } else if (stated) {
    const fallback = domainDefault === 'forward' ? CONSENT_GRANTED : DENIED;
    const ads = consent!.ads ?? fallback.adUserData;
    decision = {
      adStorage: ads,
      adUserData: ads,
      adPersonalization: ads,
      analytics: consent!.analytics ?? fallback.analytics,
      source: 'event',
    };
  } else if (consent?.gdprApplies === true) {
    // GDPR applies and the shop's consent tool gave no signal: nothing was consented to.
    decision = { ...DENIED, source: 'event' };
  } else {
    decision = domainDefault === 'forward' ? { ...CONSENT_GRANTED } : { ...DENIED };
  }
  if (dataProcessing?.ldu) {
    decision.limitedDataUse = {
      ...(dataProcessing.country ? { country: dataProcessing.country.toUpperCase() } : {}),
      ...(dataProcessing.state ? { state: dataProcessing.state.toUpperCase() } : {}),
    };
  }
  return decision;
}

// Column form: a source letter, four 0/1 flags (ad storage, ad user data, ad personalization, analytics),
// then `;ldu` with `=COUNTRY` and `-STATE` when known, e.g. `t1100;ldu=US-CA`. Null (most events) is
// "granted by default", so the common case costs nothing on disk.
const SOURCE_LETTERS = { event: 'e', tcf: 't', default: 'd' } as const;
const SOURCES_BY_LETTER = { e: 'event', t: 'tcf', d: 'default' } as const;

function isGrantedDefault(decision: ConsentDecision): boolean {
  return (
    decision.source === 'default' &&
    decision.adStorage &&
    decision.adUserData &&
    decision.adPersonalization &&
    decision.analytics &&
    !decision.limitedDataUse
  );
}

export function encodeConsent(decision: ConsentDecision): string | null {
  if (isGrantedDefault(decision)) return null;
  const flags = [decision.adStorage, decision.adUserData, decision.adPersonalization, decision.analytics]
    .map((flag) => (flag ? '1' : '0'))
    .join('');
  let text = `${SOURCE_LETTERS[decision.source]}${flags}`;
  const ldu = decision.limitedDataUse;
  if (ldu) {
    text += ';ldu';
    if (ldu.country) text += `=${ldu.country}${ldu.state ? `-${ldu.state}` : ''}`;
    else if (ldu.state) text += `=-${ldu.state}`;
  }
  return text;
}

/** Reads `events.consent`; null (and rows stored before consent existed) is granted by default. */
export function decodeConsent(column: string | null): ConsentDecision {
  if (!column) return CONSENT_GRANTED;
  const [head = '', ldu] = column.split(';');
  const flag = (i: number) => head[i + 1] === '1';
  const decision: ConsentDecision = {
    adStorage: flag(0),
    adUserData: flag(1),
    adPersonalization: flag(2),
    analytics: flag(3),
    source: SOURCES_BY_LETTER[head[0] as keyof typeof SOURCES_BY_LETTER] ?? 'default',
  };
  if (ldu?.startsWith('ldu')) {
    const [country = '', state = ''] = (ldu.split('=')[1] ?? '').split('-');
    decision.limitedDataUse = {
      ...(country ? { country } : {}),
      ...(state ? { state } : {}),
    };
  }
  return decision;
}

/** How the event log and the public API show an event's consent decision. */
export const ConsentViewSchema = Type.Object(
  {
    source: Type.Union([Type.Literal('event'), Type.Literal('tcf'), Type.Literal('default')], {
      description: "event: the event's own flags; tcf: its TCF string; default: the domain's consentDefault.",
    }),
    adStorage: Type.Boolean({ description: 'Ad identifiers from cookies and click ids may be sent.' }),
    adUserData: Type.Boolean({ description: 'Personal data may be sent to ad platforms.' }),
    adPersonalization: Type.Boolean(),
    analytics: Type.Boolean(),
    limitedDataUse: Type.Union(
      [
        Type.Object({ country: Type.Optional(Type.String()), state: Type.Optional(Type.String()) }),
        Type.Null(),
      ],
      { description: 'US-state restricted processing, when the shop asked for it.' },
    ),
  },
  {
    description:
      'What the shopper allowed, as applied to every destination (a destination that cannot honour it skips the event with reason consent).',
  },
);
export type ConsentView = Static<typeof ConsentViewSchema>;

export function consentView(column: string | null): ConsentView {
  const decision = decodeConsent(column);
  return {
    source: decision.source,
    adStorage: decision.adStorage,
    adUserData: decision.adUserData,
    adPersonalization: decision.adPersonalization,
    analytics: decision.analytics,
    limitedDataUse: decision.limitedDataUse ?? null,
  };
}
