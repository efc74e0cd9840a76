/**
 * A domain's diagnostics (match quality, deduplication, click-id share, warnings with what to do) and order
 * reconciliation (order and revenue coverage per platform, why orders did not arrive), last 7 / 30 days.
 */
import { useState } from 'preact/hooks';
import { api, get } from '../api.js';
import { ShareBars } from '../chart.js';
import { useSession } from '../session.js';
import { ConfirmButton, Empty, ErrorBox, Link, Loading, Page, useData } from '../ui.js';

interface Diagnostics {
  events: number;
  deduplication: { pairedEvents: number; rate: number | null };
  purchases: { count: number; withClickId: number; clickIdRate: number | null };
  warnings: Array<{ code: string; events: number; share: number | null; message: string }>;
  destinations: Array<{
    destinationId: string;
    type: string;
    deliveries: number;
    meanMatchScore: number | null;
    skippedForConsent: number;
    coverage: Record<string, number | null>;
  }>;
}

interface Reconciliation {
  orders: number;
  truncated: boolean;
  revenue: { currency: string | null; total: number };
  destinations: Array<{
    destination: string;
    destinationId: string;
    orders: number;
    delivered: number;
    pending: number;
    failed: number;
    skipped: number;
    notSent: number;
    coverage: number;
    revenue: { currency: string | null; total: number; delivered: number; coverage: number };
    reasons: Array<{ outcome: string; message: string; orders: number }>;
  }>;
}

interface BackfillResult {
  missing: number;
  sent: number;
  deliveries: number;
  notSendable: Array<{ destination: string; reason: string; orders: number }>;
}

/** Sends the paid orders of the period that some enabled platform never had (admins; asks first). */
function Backfill(props: { domainId: string; from: string; onDone: () => void }) {
  const { can } = useSession();
  const [result, setResult] = useState<BackfillResult | null>(null);
  if (!can('admin')) return null;
  return (
    <div>
      <ConfirmButton
        label="Send the missing orders"
        question="Each paid order of this period that an enabled platform never received is sent to it now, while the order's data is kept and the platform still takes an event that old. Orders already sent are not sent again."
        onConfirm={async () => {
          setResult(
            await api<BackfillResult>('POST', `/v1/domains/${props.domainId}/reconciliation/backfill`, {
              from: props.from,
            }),
          );
          props.onDone();
        }}
      />
      {result && (
        <div role="status" data-testid="backfill-result">
          <p>
            {result.missing} paid {result.missing === 1 ? 'order was' : 'orders were'} missing somewhere;{' '}
            {result.sent} sent now ({result.deliveries} {result.deliveries === 1 ? 'delivery' : 'deliveries'}
            ).
          </p>
          {result.notSendable.length > 0 && (
            <ul>
              {result.notSendable.map((n) => (
                <li key={`${n.destination}-${n.reason}`}>
                  {n.destination}: {n.orders} cannot be sent — {n.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

const pct = (r: number | null | undefined) =>
  r === null || r === undefined ? '—' : `${(r * 100).toFixed(1)} %`;

export function QualityPage(props: { id: string }) {
  const [days, setDays] = useState(7);
  const from = new Date(Date.now() - days * 86_400_000).toISOString();
  const id = encodeURIComponent(props.id);
  const data = useData(
    () =>
      Promise.all([
        get<{ host: string }>(`/v1/domains/${id}`),
        get<Diagnostics>(`/v1/domains/${id}/diagnostics?from=${encodeURIComponent(from)}`),
        get<Reconciliation>(`/v1/domains/${id}/reconciliation?from=${encodeURIComponent(from)}`),
      ]),
    `${props.id}-${days}`,
  );
  const [domain, diag, rec] = data.data ?? [];
  return (
    <Page title={domain ? `Match quality and orders: ${domain.host}` : 'Match quality and orders'}>
      <p>
        <Link href={`/app/domains/${props.id}`}>Back to the domain</Link>
      </p>
      <div class="field">
        <label for="q-days">Period</label>
        <select id="q-days" value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          <option value="7">Last 7 days</option>
          <option value="30">Last 30 days</option>
          <option value="92">Last 92 days</option>
        </select>
      </div>
      <ErrorBox error={data.error} />
      {!diag || !rec ? (
        !data.error && <Loading what="the reports" />
      ) : (
        <>
          <section class="card" aria-labelledby="diag-title">
            <h2 id="diag-title">Match quality</h2>
            {diag.events === 0 ? (
              <Empty title="No events in this period.">
                <p>The figures appear once the shop sends events.</p>
              </Empty>
            ) : (
              <>
                <p>
                  {diag.events} events; {diag.deduplication.pairedEvents} arrived from both browser and server
                  (deduplicated: {pct(diag.deduplication.rate)}); {diag.purchases.count} purchases,{' '}
                  {pct(diag.purchases.clickIdRate)} with an ad click id.
                </p>
                <ShareBars
                  title="Mean match score per destination (0–10)"
                  rows={diag.destinations.map((d) => ({
                    label: d.type,
                    value: d.meanMatchScore === null ? null : d.meanMatchScore / 10,
                    note: `${d.deliveries} deliveries, ${d.skippedForConsent} kept back for consent; score ${d.meanMatchScore?.toFixed(1) ?? '—'}`,
                  }))}
                />
                {diag.warnings.length > 0 && (
                  <>
                    <h3>Warnings</h3>
                    <ul>
                      {diag.warnings.map((w) => (
                        <li key={w.code}>
                          <strong>{w.code}</strong> ({w.events} events, {pct(w.share)}): {w.message}
                        </li>
                      ))}
                    </ul>
                  </>
                )}
              </>
            )}
          </section>
          <section class="card" aria-labelledby="rec-title">
            <h2 id="rec-title">Orders reaching each platform</h2>
            {rec.orders === 0 ? (
              <Empty title="No paid orders in this period.">
                <p>
                  Reconciliation compares the shop's own orders with what each platform received. Connect the
                  shop's order webhooks (see docs/orders.md) to see it.
                </p>
              </Empty>
            ) : (
              <>
                <p>
                  {rec.orders} paid orders, {rec.revenue.total} {rec.revenue.currency ?? ''}
                  {rec.truncated ? ' (only the oldest were read)' : ''}.
                </p>
                <ShareBars
                  title="Orders delivered per platform"
                  rows={rec.destinations.map((d) => ({
                    label: d.destination,
                    value: d.coverage / 100,
                    note: `${d.delivered} delivered, ${d.pending} pending, ${d.failed} failed, ${d.skipped} skipped, ${d.notSent} never sent; revenue ${d.revenue.coverage} %`,
                  }))}
                />
                <Backfill domainId={id} from={from} onDone={data.reload} />
                {rec.destinations.some((d) => d.reasons.length > 0) && (
                  <>
                    <h3>Why orders did not arrive</h3>
                    <ul>
                      {rec.destinations.flatMap((d) =>
                        d.reasons.map((r) => (
                          <li key={`${d.destinationId}-${r.outcome}-${r.message}`}>
                            {d.destination}: {r.orders} {r.outcome.replace('_', ' ')} — {r.message}
                          </li>
                        )),
                      )}
                    </ul>
                  </>
                )}
              </>
            )}
          </section>
        </>
      )}
    </Page>
  );
}
